/**
 * An Effect `Scheduler` whose tasks run only when the replay drains it. Fibers of a backtest (strategy setup,
 * timers) therefore run synchronously between two market events, in a fixed order: deterministic by construction.
 *
 * @since 0.1.0
 */
import type { Scheduler } from "effect"

export class ReplayScheduler implements Scheduler.Scheduler {
  private queue: Array<Scheduler.Task> = []

  scheduleTask(task: Scheduler.Task): void {
    this.queue.push(task)
  }

  /** Never preempt: a fiber runs until it waits on a timer or an event. */
  shouldYield(): false {
    return false
  }

  /** Run every task, including those scheduled while draining. */
  drain(): void {
    while (this.queue.length > 0) {
      const tasks = this.queue
      this.queue = []
      for (const task of tasks) task()
    }
  }
}
