/**
 * Sleeping and yielding: nanosleep, clock_nanosleep and sched_yield, on the kernel timers (sched/timers.ts).
 * A sleep blocks on a queue only its own timer wakes; the re-run after the wake finds the fired timer and returns
 * 0, and a re-run before it (spurious) sleeps again, as Linux's do_nanosleep() loops. A deadline that has already
 * passed returns 0 at once but still gives up the CPU (Linux schedules in hrtimer_nanosleep even then, mostly).
 * Sleeps are never interrupted (sysemu runs no signal handlers), so `rem` is never written.
 * Linux: kernel/time/hrtimer.c nanosleep, do_nanosleep(); kernel/time/posix-timers.c clock_nanosleep;
 * kernel/sched/syscalls.c sched_yield.
 */
import { Errno } from './uapi/errno.js';
import { TIMER_ABSTIME } from './uapi/futex.js';
import {
  CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW,
  CLOCK_PROCESS_CPUTIME_ID, CLOCK_REALTIME, CLOCK_REALTIME_ALARM, CLOCK_REALTIME_COARSE, CLOCK_TAI,
  CLOCK_THREAD_CPUTIME_ID,
} from './time.js';
import { block, type SyscallResult } from './sched/syscall_control.js';
import { WaitQueue } from './sched/wait_queue.js';
import {
  addTimer, monotonicAfter, monotonicDeadline, monotonicNowNs, realtimeToMonotonic, type KernelTimer,
} from './sched/timers.js';
import { getTimespecNs } from './futex.js';
import type { Task } from './sched/task.js';
import type { SyscallArgs } from './arch/x86/syscall_args.js';
import type { SyscallDef } from './arch/x86/syscall_def.js';

/** A task's sleep in progress: its timer (null: no deadline, sleeps until killed) and the queue it sleeps on. */
interface Sleep {
  readonly timer: KernelTimer | null;
  readonly queue: WaitQueue;
}

const sleeping = new WeakMap<Task, Sleep>();

const YIELD_0: SyscallResult = { kind: 'yield', result: 0 };

/** Sleeps until the monotonic deadline (null = forever). Linux: hrtimer_nanosleep() + do_nanosleep(). */
function sleepUntil(task: Task, deadline: bigint | null): SyscallResult {
  if (deadline !== null && deadline <= monotonicNowNs(task.kernel)) return YIELD_0;
  const queue = new WaitQueue();
  const timer = deadline === null ? null : addTimer(task, deadline, () => queue.wakeAll());
  sleeping.set(task, { timer, queue });
  return block(queue);
}

/** The re-run of a blocked sleep: 0 once its timer fired, else sleep on. */
function resumeSleep(task: Task, s: Sleep): SyscallResult {
  if (s.timer?.state !== 'fired') return block(s.queue);
  sleeping.delete(task);
  return 0;
}

/** nanosleep(req, rem): sleeps req on CLOCK_MONOTONIC; -EFAULT, -EINVAL (bad timespec). */
function sysNanosleep(task: Task, a: SyscallArgs): SyscallResult {
  const s = sleeping.get(task);
  if (s) return resumeSleep(task, s);
  const ns = getTimespecNs(task, a.ptr(0), 'nanosleep:rqtp');
  if (typeof ns === 'number') return ns;
  return sleepUntil(task, monotonicAfter(task.kernel, ns));
}

/** How a clock id sleeps: on the monotonic or the real-time timeline, or the errno Linux gives. */
type SleepClock = 'mono' | 'real' | { err: number; beforeCopy: boolean };

/**
 * REALTIME and TAI sleep on real time; MONOTONIC and BOOTTIME on monotonic time (no suspend in sysemu). Clocks
 * without nsleep (THREAD_CPUTIME, MONOTONIC_RAW, the COARSE ones) and clock fds: -EOPNOTSUPP before the timespec is
 * read; ALARM clocks (no RTC): -EOPNOTSUPP after it; CPU-time clocks: -EINVAL after it (sysemu does not sleep on
 * CPU time; Linux accepts the caller's own process clocks); unknown ids: -EINVAL at once.
 * Linux: clockid_to_kclock() and each k_clock's nsleep.
 */
function sleepClock(id: number): SleepClock {
  switch (id) {
    case CLOCK_REALTIME: case CLOCK_TAI: return 'real';
    case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: return 'mono';
    case CLOCK_THREAD_CPUTIME_ID: case CLOCK_MONOTONIC_RAW: case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE:
      return { err: -Errno.EOPNOTSUPP, beforeCopy: true };
    case CLOCK_REALTIME_ALARM: case CLOCK_BOOTTIME_ALARM: return { err: -Errno.EOPNOTSUPP, beforeCopy: false };
    case CLOCK_PROCESS_CPUTIME_ID: return { err: -Errno.EINVAL, beforeCopy: false };
  }
  if (id >= 0) return { err: -Errno.EINVAL, beforeCopy: true };
  if ((id & 7) === 3) return { err: -Errno.EOPNOTSUPP, beforeCopy: true };
  return { err: -Errno.EINVAL, beforeCopy: false };
}

/**
 * clock_nanosleep(clockid, flags, req, rem): sleeps req (relative, or absolute with TIMER_ABSTIME; other flag bits
 * are ignored) on the clock. Errors per sleepClock, then -EFAULT / -EINVAL for the timespec.
 */
function sysClockNanosleep(task: Task, a: SyscallArgs): SyscallResult {
  const s = sleeping.get(task);
  if (s) return resumeSleep(task, s);
  const clock = sleepClock(a.int(0));
  if (typeof clock === 'object' && clock.beforeCopy) return clock.err;
  const ns = getTimespecNs(task, a.ptr(2), 'clock_nanosleep:rqtp');
  if (typeof ns === 'number') return ns;
  if (typeof clock === 'object') return clock.err;
  if (!(a.int(1) & TIMER_ABSTIME)) return sleepUntil(task, monotonicAfter(task.kernel, ns));
  return sleepUntil(task, clock === 'real' ? realtimeToMonotonic(task, ns) : monotonicDeadline(ns));
}

/** sched_yield(): always 0; the caller goes to the back of the run queue. Linux: do_sched_yield(). */
function sysSchedYield(): SyscallResult {
  return YIELD_0;
}

export const schedSyscalls: SyscallDef[] = [
  { name: 'sched_yield', fn: sysSchedYield, support: 'full', args: [] },
  { name: 'nanosleep', fn: sysNanosleep, support: 'full', args: ['ptr', 'ptr'] },
  {
    name: 'clock_nanosleep', fn: sysClockNanosleep, support: 'partial',
    note: 'CPU-time clocks: -EINVAL (no sleeping on CPU time)', args: [{ sym: 'clockid' }, 'int', 'ptr', 'ptr'],
  },
];
