/**
 * One-dimensional arrays without NULLs in PostgreSQL's binary form (`array_recv`), for parameters: the driver sends
 * a Buffer as a binary value, so the server reads the elements without parsing text and the client never formats
 * a number as text. A statement types the parameter with a cast (`$2::bigint[]`).
 *
 * Layout: ndim (1), has-null flag (0), element type oid, then the length and lower bound (1) of the dimension, then
 * each element as its byte length and its bytes (big-endian).
 */

const OID = { int8: 20, text: 25, float8: 701 } as const

const HEADER = 20

const start = (size: number, oid: number, n: number): { buf: Buffer; view: DataView } => {
  const buf = Buffer.allocUnsafe(size)
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  view.setInt32(0, 1)
  view.setInt32(4, 0)
  view.setUint32(8, oid)
  view.setInt32(12, n)
  view.setInt32(16, 1)
  return { buf, view }
}

/** `bigint[]` of safe integers; throws a `RangeError` naming the first element that is not one. */
export const int8Array = (values: ArrayLike<number>, name: string): Buffer => {
  const n = values.length
  const { buf, view } = start(HEADER + n * 12, OID.int8, n)
  for (let i = 0, pos = HEADER; i < n; i++, pos += 12) {
    const v = values[i]!
    if (!Number.isSafeInteger(v)) throw new RangeError(`${name}[${i}] = ${v} is not a safe integer`)
    const high = Math.floor(v / 2 ** 32)
    view.setInt32(pos, 8)
    view.setInt32(pos + 4, high)
    view.setUint32(pos + 8, v - high * 2 ** 32)
  }
  return buf
}

/** `double precision[]`. */
export const float8Array = (values: ArrayLike<number>): Buffer => {
  const n = values.length
  const { buf, view } = start(HEADER + n * 12, OID.float8, n)
  for (let i = 0, pos = HEADER; i < n; i++, pos += 12) {
    view.setInt32(pos, 8)
    view.setFloat64(pos + 4, values[i]!)
  }
  return buf
}

/** `text[]`, UTF-8. */
export const textArray = (values: ReadonlyArray<string>): Buffer => {
  const n = values.length
  let size = HEADER + n * 4
  for (let i = 0; i < n; i++) size += values[i]!.length * 3
  const { buf, view } = start(size, OID.text, n)
  let pos = HEADER
  for (let i = 0; i < n; i++) {
    const bytes = buf.write(values[i]!, pos + 4, "utf8")
    view.setInt32(pos, bytes)
    pos += 4 + bytes
  }
  return buf.subarray(0, pos)
}
