/**
 * futex(2): FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE and
 * FUTEX_WAKE_OP, private or shared, with timeouts on the kernel clock (sched/timers.ts). The PI operations are
 * not modelled (-ENOSYS, as a kernel without CONFIG_FUTEX_PI). Linux: kernel/futex/syscalls.c, waitwake.c,
 * requeue.c.
 *
 * A wait that sleeps is re-run from the start when its task is woken (SyscallControl 'block'). The waiter it
 * queued is remembered per task, so the re-run knows what happened: woken -> 0 (whatever the word holds now);
 * timed out while queued -> -ETIMEDOUT; neither (a spurious re-run) -> Linux's retry: off the queue, the word is
 * read again (-EAGAIN if it changed), back to the tail of the queue with the same deadline. The timeout argument
 * is read once, by the first run, as Linux reads it once before it sleeps.
 */
import { Errno } from './uapi/errno.js';
import {
  FUTEX_BITSET_MATCH_ANY, FUTEX_CLOCK_REALTIME, FUTEX_CMD_MASK, FUTEX_CMP_REQUEUE, FUTEX_LOCK_PI, FUTEX_LOCK_PI2,
  FUTEX_OP_ADD, FUTEX_OP_ANDN, FUTEX_OP_CMP_EQ, FUTEX_OP_CMP_GE, FUTEX_OP_CMP_GT, FUTEX_OP_CMP_LE,
  FUTEX_OP_CMP_LT, FUTEX_OP_CMP_NE, FUTEX_OP_OPARG_SHIFT, FUTEX_OP_OR, FUTEX_OP_SET, FUTEX_OP_XOR,
  FUTEX_PRIVATE_FLAG, FUTEX_REQUEUE, FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_WAKE,
  FUTEX_WAKE_BITSET, FUTEX_WAKE_OP,
} from './uapi/futex.js';
import { copyFromUser, getUser32, putUser32 } from './uaccess.js';
import { block, type SyscallResult } from './sched/syscall_control.js';
import {
  addTimer, cancelTimer, monotonicAfter, monotonicDeadline, monotonicNowNs, NSEC_PER_SEC, realtimeToMonotonic,
} from './sched/timers.js';
import {
  FutexWaiter, futexWake, getFutexKey, queueWaiter, requeueWaiter, unqueueWaiter, wakeKey, wakeWaiter,
  waitersOf, type FutexKey,
} from './futex_core.js';
import type { Task } from './sched/task.js';
import type { SyscallArgs } from './arch/x86/syscall_args.js';
import type { SyscallDef } from './arch/x86/syscall_def.js';

/** The waiter each task sleeps as, while its FUTEX_WAIT is blocked (or woken and not yet re-run). */
const waiting = new WeakMap<Task, FutexWaiter>();

/** A deadline on the monotonic clock (ns), null for "never" (no timeout, or one at or past KTIME_MAX). */
type Deadline = bigint | null;

/** Linux: futex_cmd_has_timeout(). */
function cmdHasTimeout(cmd: number): boolean {
  return cmd === FUTEX_WAIT || cmd === FUTEX_LOCK_PI || cmd === FUTEX_LOCK_PI2 || cmd === FUTEX_WAIT_BITSET ||
    cmd === FUTEX_WAIT_REQUEUE_PI;
}

/**
 * Reads a struct __kernel_timespec (16 bytes: tv_sec, tv_nsec as s64) and checks it: the time in ns, -EFAULT, or
 * -EINVAL (negative seconds, nanoseconds outside 0..999999999). Linux: get_timespec64() + timespec64_valid().
 */
export function getTimespecNs(task: Task, addr: number, site: string): bigint | number {
  const buf = new Uint8Array(16);
  if (copyFromUser(task, buf, addr, site)) return -Errno.EFAULT;
  const v = new DataView(buf.buffer);
  const sec = v.getBigInt64(0, true);
  const nsec = v.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= NSEC_PER_SEC) return -Errno.EINVAL;
  return sec * NSEC_PER_SEC + nsec;
}

/**
 * The deadline of a timeout argument: relative on CLOCK_MONOTONIC for FUTEX_WAIT, absolute for the others, on
 * CLOCK_REALTIME with FUTEX_CLOCK_REALTIME (or for FUTEX_LOCK_PI). -EFAULT or -EINVAL for a bad timespec.
 * Linux: sys_futex() + futex_init_timeout().
 */
function futexDeadline(task: Task, utime: number, cmd: number, op: number): Deadline | number {
  const ns = getTimespecNs(task, utime, 'futex:utime');
  if (typeof ns === 'number') return ns;
  if (cmd === FUTEX_WAIT) return monotonicAfter(task.kernel, ns);
  if (cmd === FUTEX_LOCK_PI || op & FUTEX_CLOCK_REALTIME) return realtimeToMonotonic(task, ns);
  return monotonicDeadline(ns);
}

/** Finds the key and checks the word: the key, or -EINVAL/-EFAULT (key, read) or -EAGAIN (the word is not val). */
function waitSetup(task: Task, uaddr: bigint, shared: boolean, val: number): FutexKey | number {
  const key = getFutexKey(task, uaddr, shared);
  if (typeof key === 'number') return key;
  const word = getUser32(task, Number(uaddr), 'futex:uaddr');
  if (word.err) return word.err;
  return word.value === val ? key : -Errno.EAGAIN;
}

/** The timer callback: a waiter still queued at its deadline times out. Linux: hrtimer_wakeup(). */
function onTimeout(w: FutexWaiter): void {
  if (w.woken) return;
  w.timedOut = true;
  w.sleep.wakeAll();
}

/**
 * FUTEX_WAIT / FUTEX_WAIT_BITSET: sleeps while the word at uaddr holds val. -EINVAL (bitset 0, unaligned),
 * -EFAULT, -EAGAIN (the word differs), -ETIMEDOUT (deadline already passed), else blocks.
 * Linux: kernel/futex/waitwake.c futex_wait() / __futex_wait() / futex_wait_setup().
 */
function futexWait(task: Task, uaddr: bigint, shared: boolean, val: number, deadline: Deadline, bitset: number): SyscallResult {
  if (bitset === 0) return -Errno.EINVAL;
  const key = waitSetup(task, uaddr, shared, val);
  if (typeof key === 'number') return key;
  if (deadline !== null && deadline <= monotonicNowNs(task.kernel)) return -Errno.ETIMEDOUT;
  const w = new FutexWaiter(task, key, bitset);
  queueWaiter(w);
  if (deadline !== null) w.timer = addTimer(task, deadline, () => onTimeout(w));
  waiting.set(task, w);
  return block(w.sleep);
}

/** The re-run of a blocked wait (see the header): 0, -ETIMEDOUT, or the retry's result. */
function resumeWait(task: Task, w: FutexWaiter, a: SyscallArgs): SyscallResult {
  if (w.woken || w.timedOut) {
    waiting.delete(task);
    if (w.woken) return 0;
    unqueueWaiter(w);
    return -Errno.ETIMEDOUT;
  }
  unqueueWaiter(w);
  const key = waitSetup(task, a.u64(0), !(a.int(1) & FUTEX_PRIVATE_FLAG), a.uint(2));
  if (typeof key === 'number') {
    cancelTimer(w.timer);
    waiting.delete(task);
    return key;
  }
  w.key = key;
  queueWaiter(w);
  return block(w.sleep);
}

/**
 * FUTEX_REQUEUE / FUTEX_CMP_REQUEUE: wakes up to nrWake waiters of uaddr1 and moves up to nrRequeue more to
 * uaddr2; returns woken + moved. -EINVAL (a negative count, unaligned address), -EFAULT, -EAGAIN (cmpval given and
 * the word at uaddr1 differs). Linux: kernel/futex/requeue.c futex_requeue() without PI.
 */
function futexRequeue(
  task: Task, uaddr1: bigint, shared: boolean, uaddr2: bigint, nrWake: number, nrRequeue: number, cmpval: number | null,
): number {
  if (nrWake < 0 || nrRequeue < 0) return -Errno.EINVAL;
  const key1 = getFutexKey(task, uaddr1, shared);
  if (typeof key1 === 'number') return key1;
  const key2 = getFutexKey(task, uaddr2, shared);
  if (typeof key2 === 'number') return key2;
  if (cmpval !== null) {
    const word = getUser32(task, Number(uaddr1), 'futex:uaddr');
    if (word.err) return word.err;
    if (word.value !== cmpval) return -Errno.EAGAIN;
  }
  let count = 0;
  for (const w of waitersOf(key1)) {
    if (count - nrWake >= nrRequeue) break;
    if (++count <= nrWake) wakeWaiter(w);
    else requeueWaiter(w, key2);
  }
  return count;
}

function signExtend12(v: number): number {
  return (v << 20) >> 20;
}

/** The new word of a FUTEX_WAKE_OP operation, or null for an unknown one. */
function applyOp(op: number, old: number, oparg: number): number | null {
  switch (op) {
    case FUTEX_OP_SET: return oparg;
    case FUTEX_OP_ADD: return (old + oparg) | 0;
    case FUTEX_OP_OR: return old | oparg;
    case FUTEX_OP_ANDN: return old & ~oparg;
    case FUTEX_OP_XOR: return old ^ oparg;
    default: return null;
  }
}

/** The comparison of a FUTEX_WAKE_OP (signed), or null for an unknown one. */
function compareOp(cmp: number, old: number, cmparg: number): boolean | null {
  switch (cmp) {
    case FUTEX_OP_CMP_EQ: return old === cmparg;
    case FUTEX_OP_CMP_NE: return old !== cmparg;
    case FUTEX_OP_CMP_LT: return old < cmparg;
    case FUTEX_OP_CMP_GE: return old >= cmparg;
    case FUTEX_OP_CMP_LE: return old <= cmparg;
    case FUTEX_OP_CMP_GT: return old > cmparg;
    default: return null;
  }
}

/**
 * Applies an encoded FUTEX_WAKE_OP operation to the word at uaddr: 1 or 0 (the comparison with the old value),
 * -EFAULT (not readable and writable), -ENOSYS (unknown operation: nothing written; unknown comparison: written).
 * A shift argument outside 0..31 is masked, as Linux does after a warning. Linux: futex_atomic_op_inuser().
 */
function atomicOpInUser(task: Task, encoded: number, uaddr: number): number {
  const op = (encoded >>> 28) & 7;
  let oparg = signExtend12((encoded >>> 12) & 0xfff);
  if ((encoded >>> 28) & FUTEX_OP_OPARG_SHIFT) oparg = 1 << (oparg & 31);
  if (applyOp(op, 0, oparg) === null) return -Errno.ENOSYS;
  const word = getUser32(task, uaddr, 'futex:uaddr2');
  if (word.err) return word.err;
  const old = word.value | 0;
  const next = applyOp(op, old, oparg)!;
  if (putUser32(task, uaddr, next, 'futex:uaddr2')) return -Errno.EFAULT;
  const r = compareOp((encoded >>> 24) & 15, old, signExtend12(encoded & 0xfff));
  return r === null ? -Errno.ENOSYS : Number(r);
}

/**
 * FUTEX_WAKE_OP: changes the word at uaddr2, wakes up to nrWake waiters of uaddr1, and when the comparison of the
 * old uaddr2 word holds, up to nrWake2 of uaddr2; returns the total. Linux: waitwake.c futex_wake_op().
 */
function futexWakeOp(task: Task, uaddr1: bigint, shared: boolean, uaddr2: bigint, nrWake: number, nrWake2: number, encoded: number): number {
  const key1 = getFutexKey(task, uaddr1, shared);
  if (typeof key1 === 'number') return key1;
  const key2 = getFutexKey(task, uaddr2, shared, true);
  if (typeof key2 === 'number') return key2;
  const cmp = atomicOpInUser(task, encoded, Number(uaddr2));
  if (cmp < 0) return cmp;
  let woken = wakeKey(key1, nrWake);
  if (cmp > 0) woken += wakeKey(key2, nrWake2);
  return woken;
}

/** The operation: dispatch by command after the FUTEX_CLOCK_REALTIME rule. Linux: do_futex(). */
function doFutex(task: Task, a: SyscallArgs, deadline: Deadline): SyscallResult {
  const op = a.int(1);
  const cmd = op & FUTEX_CMD_MASK;
  const shared = !(op & FUTEX_PRIVATE_FLAG);
  if (op & FUTEX_CLOCK_REALTIME && cmd !== FUTEX_WAIT_BITSET && cmd !== FUTEX_WAIT_REQUEUE_PI && cmd !== FUTEX_LOCK_PI2) {
    return -Errno.ENOSYS;
  }
  const uaddr = a.u64(0);
  switch (cmd) {
    case FUTEX_WAIT: return futexWait(task, uaddr, shared, a.uint(2), deadline, FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAIT_BITSET: return futexWait(task, uaddr, shared, a.uint(2), deadline, a.uint(5));
    case FUTEX_WAKE: return futexWake(task, uaddr, shared, a.int(2), FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAKE_BITSET: return futexWake(task, uaddr, shared, a.int(2), a.uint(5));
    case FUTEX_REQUEUE: return futexRequeue(task, uaddr, shared, a.u64(4), a.int(2), a.int(3), null);
    case FUTEX_CMP_REQUEUE: return futexRequeue(task, uaddr, shared, a.u64(4), a.int(2), a.int(3), a.uint(5));
    case FUTEX_WAKE_OP: return futexWakeOp(task, uaddr, shared, a.u64(4), a.int(2), a.int(3), a.uint(5));
    default: return -Errno.ENOSYS;
  }
}

/**
 * futex(uaddr, op, val, timeout | val2, uaddr2, val3). Errors: -EFAULT / -EINVAL for a bad timeout (read first,
 * for the commands that take one), -ENOSYS for FUTEX_CLOCK_REALTIME on other commands and for unknown or PI
 * commands, then each command's own. Linux: kernel/futex/syscalls.c sys_futex().
 */
function sysFutex(task: Task, a: SyscallArgs): SyscallResult {
  const pending = waiting.get(task);
  if (pending) return resumeWait(task, pending, a);
  const op = a.int(1);
  const cmd = op & FUTEX_CMD_MASK;
  let deadline: Deadline = null;
  if (a.u64(3) !== 0n && cmdHasTimeout(cmd)) {
    const d = futexDeadline(task, a.ptr(3), cmd, op);
    if (typeof d === 'number') return d;
    deadline = d;
  }
  return doFutex(task, a, deadline);
}

/** True while task sleeps in (or was just woken from) a futex wait: for tests and invariant checks. */
export function futexWaiterOf(task: Task): FutexWaiter | undefined {
  return waiting.get(task);
}

export const futexSyscalls: SyscallDef[] = [
  {
    name: 'futex', fn: sysFutex, support: 'partial',
    note: 'no PI operations (-ENOSYS); shared futexes are keyed per address space (no shared mappings in sysemu)',
    args: ['ptr', { sym: 'futex_op' }, 'uint', 'ptr', 'ptr', 'hex'],
  },
];
