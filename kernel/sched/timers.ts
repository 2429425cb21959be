/**
 * Kernel timers: deadlines on the kernel's monotonic clock that wake sleeping tasks (futex timeouts, nanosleep).
 * A timer fires only at a scheduling point (the run loop asks `runExpiredTimers` before picking a task), in
 * deadline order, ties in the order the timers were added, so a run is reproducible. When no task can run, the loop
 * calls `idleUntilNextTimer`: with the virtual clock the kernel's time jumps to the earliest deadline (the idle time
 * is "skipped"), with the real clock the host sleeps until it. Timers of tasks that exited are dropped unfired.
 * Linux: kernel/time/hrtimer.c (hrtimer_sleeper, hrtimer_interrupt), reduced to one list per kernel.
 *
 * State machine of a KernelTimer: pending -> fired (its callback ran) | cancelled.
 */
import { clockNowNs, VIRTUAL_EPOCH_NS, VIRTUAL_TICK_NS, VIRTUAL_UPTIME_NS } from '../time.js';
import { pickNext } from './core.js';
import type { Kernel } from '../kernel.js';
import type { Task } from './task.js';

/** Largest ktime_t (ns): a deadline at or past it never expires (Linux KTIME_MAX). */
export const KTIME_MAX = (1n << 63n) - 1n;
export const NSEC_PER_SEC = 1_000_000_000n;

export type TimerState = 'pending' | 'fired' | 'cancelled';

/** One armed deadline. deadlineNs is on the kernel's monotonic clock (monotonicNowNs). */
export interface KernelTimer {
  readonly deadlineNs: bigint;
  /** The task the timer wakes: when it has exited, the timer is dropped instead of fired. */
  readonly owner: Task;
  readonly fire: () => void;
  readonly seq: number;
  state: TimerState;
}

/** Per-kernel timer state: pending timers sorted by (deadline, seq), and the idle time skipped (virtual clock). */
class TimerBase {
  readonly pending: KernelTimer[] = [];
  skippedNs = 0n;
  seq = 0;
}

const bases = new WeakMap<Kernel, TimerBase>();

function baseOf(kernel: Kernel): TimerBase {
  let b = bases.get(kernel);
  if (!b) bases.set(kernel, (b = new TimerBase()));
  return b;
}

function isVirtual(kernel: Kernel): boolean {
  return kernel.opts.clock === 'virtual';
}

/**
 * Nanoseconds of idle time the virtual clock skipped so far (0 with the real clock). The virtual clock of time.ts
 * must add it, so clock_gettime agrees with the timers.
 */
export function virtualSkippedNs(kernel: Kernel): bigint {
  return bases.get(kernel)?.skippedNs ?? 0n;
}

/** The kernel's CLOCK_MONOTONIC in ns: the host's, or the virtual clock plus the skipped idle time. */
export function monotonicNowNs(kernel: Kernel): bigint {
  if (!isVirtual(kernel)) return process.hrtime.bigint();
  return VIRTUAL_UPTIME_NS + BigInt(kernel.syscallCount) * VIRTUAL_TICK_NS + virtualSkippedNs(kernel);
}

/** task's CLOCK_REALTIME in ns, consistent with monotonicNowNs. */
export function realtimeNowNs(task: Task): bigint {
  const k = task.kernel;
  if (!isVirtual(k)) return clockNowNs(task, 'real');
  return VIRTUAL_EPOCH_NS + BigInt(k.syscallCount) * VIRTUAL_TICK_NS + virtualSkippedNs(k);
}

/**
 * The monotonic deadline of an absolute CLOCK_REALTIME time (ns), or null when it lies at or past KTIME_MAX.
 * sysemu has no clock_settime, so the offset between the two clocks is fixed while a timer waits.
 */
export function realtimeToMonotonic(task: Task, realNs: bigint): bigint | null {
  const mono = realNs - (realtimeNowNs(task) - monotonicNowNs(task.kernel));
  return mono >= KTIME_MAX ? null : mono;
}

/** An absolute monotonic time as a deadline: null (never) at or past KTIME_MAX. */
export function monotonicDeadline(ns: bigint): bigint | null {
  return ns >= KTIME_MAX ? null : ns;
}

/** now + relNs on the monotonic clock, or null when the sum reaches KTIME_MAX. Linux: ktime_add_safe(). */
export function monotonicAfter(kernel: Kernel, relNs: bigint): bigint | null {
  const t = monotonicNowNs(kernel) + relNs;
  return t >= KTIME_MAX ? null : t;
}

/** Arms a timer that calls fire once the monotonic clock reaches deadlineNs. Linux: hrtimer_start(). */
export function addTimer(owner: Task, deadlineNs: bigint, fire: () => void): KernelTimer {
  const base = baseOf(owner.kernel);
  const timer: KernelTimer = { deadlineNs, owner, fire, seq: base.seq++, state: 'pending' };
  const list = base.pending;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].deadlineNs <= deadlineNs) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, timer);
  return timer;
}

/** Disarms a pending timer (no-op once fired or cancelled). Linux: hrtimer_cancel(). */
export function cancelTimer(timer: KernelTimer | null): void {
  if (!timer || timer.state !== 'pending') return;
  timer.state = 'cancelled';
  const list = baseOf(timer.owner.kernel).pending;
  const i = list.indexOf(timer);
  if (i >= 0) list.splice(i, 1);
}

/** The earliest pending timer whose owner is alive; timers of exited owners are dropped on the way. */
function firstLive(base: TimerBase): KernelTimer | undefined {
  while (base.pending.length > 0) {
    const t = base.pending[0];
    if (!t.owner.exited) return t;
    base.pending.shift();
    t.state = 'cancelled';
  }
  return undefined;
}

/** Fires every timer whose deadline has passed, earliest first; returns how many fired. */
export function runExpiredTimers(kernel: Kernel): number {
  const base = bases.get(kernel);
  if (!base) return 0;
  const now = monotonicNowNs(kernel);
  let fired = 0;
  for (let t = firstLive(base); t && t.deadlineNs <= now; t = firstLive(base)) {
    base.pending.shift();
    t.state = 'fired';
    t.fire();
    fired++;
  }
  return fired;
}

/** True while a timer of a live task is pending. */
export function hasPendingTimers(kernel: Kernel): boolean {
  const base = bases.get(kernel);
  return base !== undefined && firstLive(base) !== undefined;
}

/**
 * Whether the run loop must preempt a lone running task: only with the real clock and a pending timer, because
 * a real deadline passes while guest code runs (the virtual clock stands still between syscalls).
 */
export function timerTickNeeded(kernel: Kernel): boolean {
  return !isVirtual(kernel) && hasPendingTimers(kernel);
}

/** Blocks the host thread for ns nanoseconds (the run loop is synchronous). */
function hostSleep(ns: bigint): void {
  const ms = Math.ceil(Number(ns) / 1e6);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Nothing can run: lets time pass until the earliest pending timer and fires what expired. Returns false when no
 * timer is pending (the loop is done, or every remaining task sleeps forever).
 */
export function idleUntilNextTimer(kernel: Kernel): boolean {
  const base = bases.get(kernel);
  const next = base && firstLive(base);
  if (!base || !next) return false;
  const wait = next.deadlineNs - monotonicNowNs(kernel);
  if (wait > 0n) {
    if (isVirtual(kernel)) base.skippedNs += wait;
    else hostSleep(wait);
  }
  runExpiredTimers(kernel);
  return true;
}

/**
 * The run loop's choice of the next task: fires expired timers, picks a runnable task, and when there is none
 * waits for the next timer and tries again. undefined when nothing can run and no timer is pending.
 */
export function pickNextTask(kernel: Kernel): Task | undefined {
  for (;;) {
    runExpiredTimers(kernel);
    const task = pickNext(kernel);
    if (task) return task;
    if (!idleUntilNextTimer(kernel)) return undefined;
  }
}
