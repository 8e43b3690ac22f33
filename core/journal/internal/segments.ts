/**
 * File names in a journal folder: segments and snapshots are named after a sequence, zero-padded so that names
 * sort in sequence order.
 */
const SEGMENT = /^(\d{16})\.wal$/
const SNAPSHOT = /^(\d{16})\.snap$/

const padded = (seq: number): string => String(seq).padStart(16, "0")

/** The segment whose first record is `firstSeq`. */
export const segmentName = (firstSeq: number): string => `${padded(firstSeq)}.wal`

/** The snapshot of the state after record `seq`. */
export const snapshotName = (seq: number): string => `${padded(seq)}.snap`

export interface Named {
  readonly name: string
  readonly seq: number
}

/** The names that match `pattern`, with their sequence, in sequence order. */
const named = (names: ReadonlyArray<string>, pattern: RegExp): Array<Named> =>
  names
    .flatMap((name) => {
      const match = pattern.exec(name)
      return match === null ? [] : [{ name, seq: Number(match[1]) }]
    })
    .sort((a, b) => a.seq - b.seq)

export const segmentsIn = (names: ReadonlyArray<string>): Array<Named> => named(names, SEGMENT)
export const snapshotsIn = (names: ReadonlyArray<string>): Array<Named> => named(names, SNAPSHOT)
