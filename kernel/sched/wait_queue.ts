/**
 * A wait queue: tasks sleeping until an event. Waking makes every sleeper runnable; each re-runs its syscall and
 * sleeps again if its condition still does not hold. Linux: include/linux/wait.h (wake_up_all + wait_event).
 */
export interface Sleeper {
  wake(): void;
}

export class WaitQueue {
  private readonly sleepers = new Set<Sleeper>();

  add(s: Sleeper): void {
    this.sleepers.add(s);
  }

  remove(s: Sleeper): void {
    this.sleepers.delete(s);
  }

  get size(): number {
    return this.sleepers.size;
  }

  /** Wakes every sleeper (each is removed first); returns how many were woken. */
  wakeAll(): number {
    const list = [...this.sleepers];
    this.sleepers.clear();
    for (const s of list) s.wake();
    return list.length;
  }

  /** Wakes at most n sleepers in the order they slept; returns how many were woken. */
  wake(n: number): number {
    let woken = 0;
    for (const s of this.sleepers) {
      if (woken >= n) break;
      this.sleepers.delete(s);
      s.wake();
      woken++;
    }
    return woken;
  }
}
