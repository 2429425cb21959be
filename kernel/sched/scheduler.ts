/**
 * The run queue: deterministic round robin. Tasks become runnable in a defined order (creation, wake-up), and
 * `pickNext` takes the oldest runnable task, so the same guest and options always give the same interleaving.
 */
import type { Task } from './task.js';

export class RunQueue {
  private queue: Task[] = [];

  get length(): number {
    return this.queue.length;
  }

  /** Appends a runnable task (no-op if it is queued already). */
  enqueue(task: Task): void {
    if (!this.queue.includes(task)) this.queue.push(task);
  }

  /** Removes a task that stopped being runnable (blocked, exited). */
  remove(task: Task): void {
    const i = this.queue.indexOf(task);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** The next task to run, taken off the queue; undefined when nothing is runnable. */
  pickNext(): Task | undefined {
    return this.queue.shift();
  }

  /** Tasks waiting to run, oldest first (a copy). */
  list(): Task[] {
    return [...this.queue];
  }
}
