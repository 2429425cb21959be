/**
 * Clocks: clock_gettime, clock_getres, gettimeofday and time. With `opts.clock = 'real'` they read the host; with
 * 'virtual' time starts at 2026-01-01T00:00:00Z and advances 1 microsecond per completed syscall
 * (kernel.syscallCount), so a run with the same binary and seed sees the same times. Linux: kernel/time/posix-timers.c,
 * kernel/time/time.c, kernel/time/posix-cpu-timers.c.
 */
import { Errno } from './uapi/errno.js';
import { copyToUser, putUser64 } from './uaccess.js';
import { virtualSkippedNs } from './sched/timers.js';
import type { Task } from './sched/task.js';
import type { SyscallArgs } from './arch/x86/syscall_args.js';
import type { SyscallDef } from './arch/x86/syscall_def.js';

export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 1;
export const CLOCK_PROCESS_CPUTIME_ID = 2;
export const CLOCK_THREAD_CPUTIME_ID = 3;
export const CLOCK_MONOTONIC_RAW = 4;
export const CLOCK_REALTIME_COARSE = 5;
export const CLOCK_MONOTONIC_COARSE = 6;
export const CLOCK_BOOTTIME = 7;
export const CLOCK_REALTIME_ALARM = 8;
export const CLOCK_BOOTTIME_ALARM = 9;
export const CLOCK_TAI = 11;

/** The virtual clock's CLOCK_REALTIME at the first syscall: 2026-01-01T00:00:00Z, in nanoseconds. */
export const VIRTUAL_EPOCH_NS = 1767225600n * 1_000_000_000n;
/** The virtual clock's uptime (CLOCK_MONOTONIC / BOOTTIME) at the first syscall: 10 s. */
export const VIRTUAL_UPTIME_NS = 10n * 1_000_000_000n;
/** Virtual time per completed syscall. */
export const VIRTUAL_TICK_NS = 1000n;

/** Resolution of the high-resolution clocks (hrtimer) and of the coarse ones (one jiffy at HZ=250). */
const HRES_NS = 1n;
const COARSE_NS = 4_000_000n;

type ClockKind = 'real' | 'mono' | 'cpu';

/** The valid non-negative clock ids. REALTIME_ALARM / BOOTTIME_ALARM need an RTC, which the reference VM lacks. */
const CLOCKS: ReadonlyMap<number, { kind: ClockKind; coarse?: true }> = new Map([
  [CLOCK_REALTIME, { kind: 'real' }],
  [CLOCK_MONOTONIC, { kind: 'mono' }],
  [CLOCK_PROCESS_CPUTIME_ID, { kind: 'cpu' }],
  [CLOCK_THREAD_CPUTIME_ID, { kind: 'cpu' }],
  [CLOCK_MONOTONIC_RAW, { kind: 'mono' }],
  [CLOCK_REALTIME_COARSE, { kind: 'real', coarse: true }],
  [CLOCK_MONOTONIC_COARSE, { kind: 'mono', coarse: true }],
  [CLOCK_BOOTTIME, { kind: 'mono' }],
  [CLOCK_TAI, { kind: 'real' }],
] as const);

/** Host REALTIME at the host's hrtime origin, so real REALTIME has nanosecond steps. */
let realOffsetNs: bigint | null = null;

function isVirtual(task: Task): boolean {
  return (task.kernel as { opts?: { clock?: string } }).opts?.clock === 'virtual';
}

/** Virtual time since boot: one tick per syscall, plus the idle time skipped to reach timer deadlines. */
function virtualElapsedNs(task: Task): bigint {
  return BigInt(task.kernel.syscallCount ?? 0) * VIRTUAL_TICK_NS + virtualSkippedNs(task.kernel);
}

/** Nanoseconds of one clock kind now, as task sees it. */
export function clockNowNs(task: Task, kind: ClockKind): bigint {
  if (isVirtual(task)) {
    const base = kind === 'real' ? VIRTUAL_EPOCH_NS : kind === 'mono' ? VIRTUAL_UPTIME_NS : 0n;
    return base + virtualElapsedNs(task);
  }
  const mono = process.hrtime.bigint();
  if (kind === 'mono') return mono;
  if (kind === 'cpu') {
    const u = process.cpuUsage();
    return BigInt(u.user + u.system) * 1000n;
  }
  realOffsetNs ??= BigInt(Date.now()) * 1_000_000n - mono;
  return mono + realOffsetNs;
}

/**
 * Which clock an id names, or null (-EINVAL). Negative ids are CPU clocks of a pid (bits: ~pid << 3 | perthread
 * << 2 | type): only the caller's own (pid 0) exists here, and type 3 or a clock fd (low bits 3) is invalid.
 * Linux: clockid_to_kclock(), posix_cpu_clock_get().
 */
export function clockKind(id: number): { kind: ClockKind; coarse?: true } | null {
  if (id >= 0) return CLOCKS.get(id) ?? null;
  if ((id & 3) === 3) return null;
  const pid = ~(id >> 3);
  return pid === 0 ? { kind: 'cpu' } : null;
}

function timespecBytes(ns: bigint): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, ns / 1_000_000_000n, true);
  v.setBigInt64(8, ns % 1_000_000_000n, true);
  return b;
}

/** clock_gettime(id, tp): EINVAL for an unknown id, EFAULT. Linux: posix-timers.c clock_gettime. */
function sysClockGettime(task: Task, a: SyscallArgs): number {
  const clock = clockKind(a.int(0));
  if (!clock) return -Errno.EINVAL;
  let ns = clockNowNs(task, clock.kind);
  if (clock.coarse) ns -= ns % COARSE_NS;
  return copyToUser(task, a.ptr(1), timespecBytes(ns), 'clock_gettime:tp') ? -Errno.EFAULT : 0;
}

/** clock_getres(id, tp): 1 ns, or a jiffy for the coarse clocks; tp may be NULL. Linux: clock_getres. */
function sysClockGetres(task: Task, a: SyscallArgs): number {
  const clock = clockKind(a.int(0));
  if (!clock) return -Errno.EINVAL;
  if (!a.ptr(1)) return 0;
  const res = clock.coarse ? COARSE_NS : HRES_NS;
  return copyToUser(task, a.ptr(1), timespecBytes(res), 'clock_getres:tp') ? -Errno.EFAULT : 0;
}

/**
 * gettimeofday(tv, tz): tv written with two put_user (seconds, microseconds), tz (always zero: UTC) with one
 * copy; either may be NULL. EFAULT. Linux: kernel/time/time.c gettimeofday.
 */
function sysGettimeofday(task: Task, a: SyscallArgs): number {
  if (a.ptr(0)) {
    const ns = clockNowNs(task, 'real');
    if (putUser64(task, a.ptr(0), ns / 1_000_000_000n, 'gettimeofday:tv_sec')) return -Errno.EFAULT;
    if (putUser64(task, a.ptr(0) + 8, (ns % 1_000_000_000n) / 1000n, 'gettimeofday:tv_usec')) return -Errno.EFAULT;
  }
  if (a.ptr(1) && copyToUser(task, a.ptr(1), new Uint8Array(8), 'gettimeofday:tz')) return -Errno.EFAULT;
  return 0;
}

/** time(tloc): the seconds of CLOCK_REALTIME, also stored at tloc unless NULL; EFAULT. Linux: time.c time. */
function sysTime(task: Task, a: SyscallArgs): number | bigint {
  const sec = clockNowNs(task, 'real') / 1_000_000_000n;
  if (a.ptr(0) && putUser64(task, a.ptr(0), sec, 'time:tloc')) return -Errno.EFAULT;
  return sec;
}

const CLOCK_NOTE = "host clocks, or with opts.clock 'virtual' 2026-01-01T00:00:00Z + 1 us per syscall; ALARM clocks EINVAL (no RTC)";

export const timeSyscalls: SyscallDef[] = [
  { name: 'clock_gettime', fn: sysClockGettime, support: 'partial', note: CLOCK_NOTE, args: [{ sym: 'clockid' }, 'ptr'] },
  { name: 'clock_getres', fn: sysClockGetres, support: 'partial', note: CLOCK_NOTE, args: [{ sym: 'clockid' }, 'ptr'] },
  { name: 'gettimeofday', fn: sysGettimeofday, support: 'full', args: ['ptr', 'ptr'] },
  { name: 'time', fn: sysTime, support: 'full', args: ['ptr'] },
];
