/**
 * The backtest's progress on stderr when stderr is a terminal and the run lasts over a second: events replayed,
 * events per second and the time left. Nothing when stderr is piped, so logs and tests see none of it.
 *
 * @since 0.1.0
 */

const WIDTH = 20
const QUIET_MS = 1_000

/** Where the bar goes: a terminal, or not. */
export interface ProgressStream {
  readonly isTTY?: boolean
  write(text: string): unknown
}

/**
 * A progress callback for the replay (called every few thousand events and at the end), or undefined off a TTY.
 * `now` is wall-clock milliseconds: the bar shows real elapsed time, unlike the replay's simulated clock.
 */
export const progressBar = (
  stream: ProgressStream = process.stderr,
  now: () => number = () => performance.now()
): ((done: number, total: number) => void) | undefined => {
  if (!stream.isTTY) return undefined
  const start = now()
  let shown = false
  return (done, total) => {
    const elapsedMs = now() - start
    if (!shown && (elapsedMs < QUIET_MS || done >= total)) return
    shown = true
    const share = total === 0 ? 1 : done / total
    const filled = Math.round(share * WIDTH)
    const perSecond = elapsedMs === 0 ? 0 : (done / elapsedMs) * 1000
    const etaS = perSecond === 0 ? 0 : (total - done) / perSecond
    const bar = `${"█".repeat(filled)}${"░".repeat(WIDTH - filled)}`
    const line = `${bar} ${(share * 100).toFixed(0).padStart(3)}%  ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")}  ${Math.round(perSecond).toLocaleString("en-US")}/s  ETA ${etaS.toFixed(1)} s`
    stream.write(done >= total ? `\r${line}\n` : `\r${line}`)
  }
}
