/**
 * Effect's `Clock` driven by the replay. Time moves only when the replay says so; `sleep` registers a timer in the
 * replay's own queue, which fires when the data reach its time. No real waiting, no `TestClock` bookkeeping.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Option } from "effect"

interface Timer {
  readonly at: number
  readonly order: number
  readonly wake: () => void
  cancelled: boolean
}

export class SimulatedClock implements Clock.Clock {
  readonly [Clock.ClockTypeId]: Clock.ClockTypeId = Clock.ClockTypeId
  /** Microseconds since the epoch. */
  private nowUs: number
  private readonly heap: Array<Timer> = []
  private registered = 0

  constructor(startUs: number) {
    this.nowUs = startUs
  }

  /** The replay's current time in microseconds. */
  get now(): number {
    return this.nowUs
  }

  /** Move time forward; time never goes back. */
  setTime(us: number): void {
    if (us > this.nowUs) this.nowUs = us
  }

  unsafeCurrentTimeMillis(): number {
    return Math.floor(this.nowUs / 1000)
  }

  readonly currentTimeMillis: Effect.Effect<number> = Effect.sync(() => this.unsafeCurrentTimeMillis())

  unsafeCurrentTimeNanos(): bigint {
    return BigInt(this.nowUs) * 1000n
  }

  readonly currentTimeNanos: Effect.Effect<bigint> = Effect.sync(() => this.unsafeCurrentTimeNanos())

  sleep(duration: Duration.Duration): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      // Whole microseconds, rounded up, computed in integers: float milliseconds would wake some sleeps late.
      const nanos = Duration.toNanos(duration)
      const micros = Option.isNone(nanos) ? Number.POSITIVE_INFINITY : Number((nanos.value + 999n) / 1000n)
      const timer: Timer = {
        at: this.nowUs + micros,
        order: this.registered++,
        wake: () => resume(Effect.void),
        cancelled: false
      }
      this.push(timer)
      return Effect.sync(() => {
        timer.cancelled = true
      })
    })
  }

  /** Time of the earliest pending timer, or `Infinity`. */
  nextTimer(): number {
    this.dropCancelled()
    return this.heap[0]?.at ?? Number.POSITIVE_INFINITY
  }

  /** Advance to the earliest timer due at or before `us` and wake it; false when none is due. */
  fireNext(us: number): boolean {
    this.dropCancelled()
    const top = this.heap[0]
    if (top === undefined || top.at > us) return false
    this.pop()
    this.setTime(top.at)
    top.wake()
    return true
  }

  private dropCancelled(): void {
    while (this.heap[0]?.cancelled === true) this.pop()
  }

  // A binary heap ordered by (at, order): timers due at the same time fire in registration order.
  private before(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order)
  }

  private push(timer: Timer): void {
    const heap = this.heap
    heap.push(timer)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.before(heap[i]!, heap[parent]!)) break
      ;[heap[i], heap[parent]] = [heap[parent]!, heap[i]!]
      i = parent
    }
  }

  private pop(): void {
    const heap = this.heap
    const last = heap.pop()
    if (last === undefined || heap.length === 0) return
    heap[0] = last
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let smallest = i
      if (left < heap.length && this.before(heap[left]!, heap[smallest]!)) smallest = left
      if (right < heap.length && this.before(heap[right]!, heap[smallest]!)) smallest = right
      if (smallest === i) return
      ;[heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!]
      i = smallest
    }
  }
}
