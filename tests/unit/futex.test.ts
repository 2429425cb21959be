/**
 * futex(2), the kernel timers, nanosleep / clock_nanosleep / sched_yield, the clear_child_tid wake and the
 * robust-list walk at thread exit, on the kernel harness (FakeCpu). Threads are made with clone(2) and driven by
 * hand: `trap` runs a syscall the way the syscall hook does (a blocking call puts the task to sleep through the
 * scheduler core), `schedule` runs the scheduler core's pickNext, which re-runs the syscalls of woken tasks.
 * Expected errnos are those of Linux 6.18 on the reference machine (the same cases are in guest/src/futex_errors.c,
 * whose native output is tests/golden/futex_errors-*.stdout); T121 is the spec's test vector 9.6.
 */
import { describe, it, expect } from 'vitest';
import { bootHarness, peek32, poke, i32s, u64s, sys, SCRATCH, SCRATCH_SIZE, type Harness } from '../helpers/kernel_harness.js';
import { PT, newPtRegs } from '../../kernel/arch/x86/ptregs.js';
import { buildEntryFrame } from '../../kernel/arch/x86/entry.js';
import { NR } from '../../kernel/uapi/unistd_64.gen.js';
import { Errno } from '../../kernel/uapi/errno.js';
import {
  CLONE_CHILD_CLEARTID, CLONE_FILES, CLONE_FS, CLONE_PARENT_SETTID, CLONE_SETTLS, CLONE_SIGHAND, CLONE_SYSVSEM,
  CLONE_THREAD, CLONE_VM,
} from '../../kernel/uapi/sched.js';
import {
  FUTEX_CLOCK_REALTIME, FUTEX_CMP_REQUEUE, FUTEX_OWNER_DIED, FUTEX_PRIVATE_FLAG, FUTEX_REQUEUE, FUTEX_WAIT,
  FUTEX_WAIT_BITSET, FUTEX_WAITERS, FUTEX_WAKE, FUTEX_WAKE_BITSET, FUTEX_WAKE_OP, ROBUST_LIST_LIMIT,
} from '../../kernel/uapi/futex.js';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_NONE, PROT_READ } from '../../kernel/uapi/mman.js';
import { afterRun, pickNext } from '../../kernel/sched/core.js';
import { isControl, type SyscallResult } from '../../kernel/sched/syscall_control.js';
import { futexWaiterOf } from '../../kernel/futex.js';
import {
  addTimer, cancelTimer, hasPendingTimers, idleUntilNextTimer, monotonicNowNs, runExpiredTimers, virtualSkippedNs,
} from '../../kernel/sched/timers.js';
import { doExit } from '../../kernel/exit.js';
import { checkPidInvariants } from '../../kernel/pid.js';
import type { Task } from '../../kernel/sched/task.js';

const A = SCRATCH + 0x1000;
const B = SCRATCH + 0x1004;
const TS = SCRATCH + 0x1100; // a struct timespec
const TS2 = SCRATCH + 0x1120;
const PTID = SCRATCH + 0x1200;
const CTID = SCRATCH + 0x1204;
const HEAD = SCRATCH + 0x2000; // a robust_list_head
const UNMAPPED = SCRATCH + SCRATCH_SIZE;
const RO = 0x20000000; // a read-only anonymous page
const NONE = 0x20002000; // a PROT_NONE page
const PRIV = FUTEX_PRIVATE_FLAG;
const ANY = 0xffffffff;
const THREAD_FLAGS =
  CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |
  CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;

function boot(clock: 'real' | 'virtual' = 'virtual'): Harness {
  const h = bootHarness({ clock });
  for (const [at, prot] of [[RO, PROT_READ], [NONE, PROT_NONE]]) {
    expect(h.init.mm.mmap(at, 0x1000, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)).toBe(at);
  }
  return h;
}

/** A new thread of task (pthread_create's flags), taken off the run queue: the test runs it by hand. */
function newThread(task: Task): Task {
  const tid = sys(task, 'clone', THREAD_FLAGS, 0, PTID, CTID, 0x7ffff7ff0000n);
  expect(typeof tid).toBe('number');
  const t = [...task.kernel.tasks].find((x) => x.pid.nrAt(0) === tid)!;
  task.kernel.runQueue.remove(t);
  return t;
}

/**
 * Runs a syscall in task as the syscall hook does: a value is returned; a 'block' puts the task to sleep through
 * the scheduler core (afterRun) with its frame kept for the re-run, and is returned too.
 */
function trap(task: Task, name: keyof typeof NR, ...args: (number | bigint)[]): SyscallResult {
  const regs = newPtRegs();
  regs[PT.rax] = BigInt(NR[name]);
  [PT.rdi, PT.rsi, PT.rdx, PT.r10, PT.r8, PT.r9].forEach((slot, i) => (regs[slot] = BigInt.asUintN(64, BigInt(args[i] ?? 0))));
  buildEntryFrame(regs);
  const k = task.kernel;
  task.state = 'running';
  const r = k.runSyscall(task, regs);
  if (isControl(r) && r.kind === 'block') {
    task.blockedSyscall = regs;
    k.pendingControl = r;
    afterRun(k, task, { kind: 'control' });
  }
  return r;
}

function futex(task: Task, uaddr: number, op: number, val: number, timeout: number | bigint = 0, uaddr2 = 0, val3 = 0) {
  return trap(task, 'futex', uaddr, op, val, timeout, uaddr2, val3);
}

/** Runs the scheduler core until nothing is runnable; the tasks it picked, in order, with their syscall results. */
function schedule(h: Harness): Array<[Task, number]> {
  const out: Array<[Task, number]> = [];
  for (let t = pickNext(h.kernel); t; t = pickNext(h.kernel)) {
    out.push([t, Number(BigInt.asIntN(64, t.pendingReturn?.[0] ?? 0n))]);
    t.pendingReturn = null;
    t.state = 'running';
  }
  return out;
}

function writeTimespec(task: Task, at: number, sec: bigint, nsec: bigint): void {
  poke(task, at, u64s([sec, nsec]));
}

const BLOCK = expect.objectContaining({ kind: 'block' });

describe('futex: keys and argument errors (Linux 6.18)', () => {
  it('private WAIT on an unmapped word -> EFAULT, private WAKE -> 0 (the key needs no memory)', () => {
    const { init } = boot();
    expect(futex(init, UNMAPPED, FUTEX_WAIT | PRIV, 0)).toBe(-Errno.EFAULT);
    expect(futex(init, UNMAPPED, FUTEX_WAKE | PRIV, 1)).toBe(0);
    expect(futex(init, 0, FUTEX_WAKE | PRIV, 1)).toBe(0);
  });

  it('shared WAIT and WAKE on an unmapped word -> EFAULT', () => {
    const { init } = boot();
    expect(futex(init, UNMAPPED, FUTEX_WAIT, 0)).toBe(-Errno.EFAULT);
    expect(futex(init, UNMAPPED, FUTEX_WAKE, 1)).toBe(-Errno.EFAULT);
  });

  it('a mismatched word -> EAGAIN, private and shared', () => {
    const { init } = boot();
    poke(init, A, i32s([5]));
    expect(futex(init, A, FUTEX_WAIT | PRIV, 6)).toBe(-Errno.EAGAIN);
    expect(futex(init, A, FUTEX_WAIT, 4)).toBe(-Errno.EAGAIN);
  });

  it('unaligned -> EINVAL, before the address is checked', () => {
    const { init } = boot();
    expect(futex(init, A + 1, FUTEX_WAIT | PRIV, 0)).toBe(-Errno.EINVAL);
    expect(futex(init, A + 2, FUTEX_WAKE | PRIV, 1)).toBe(-Errno.EINVAL);
    expect(futex(init, UNMAPPED + 1, FUTEX_WAIT, 0)).toBe(-Errno.EINVAL);
    expect(trap(init, 'futex', -1n, FUTEX_WAKE | PRIV, 1)).toBe(-Errno.EINVAL);
  });

  it('only the start address is range checked: 0x7ffffffff000 -> 0, 2^47 -> EFAULT', () => {
    const { init } = boot();
    expect(futex(init, 0x7ffffffff000, FUTEX_WAKE | PRIV, 1)).toBe(0);
    expect(futex(init, 0x800000000000, FUTEX_WAKE | PRIV, 1)).toBe(-Errno.EFAULT);
    expect(trap(init, 'futex', 0xffffffffff600000n, FUTEX_WAIT | PRIV, 0)).toBe(-Errno.EFAULT);
  });

  it('read-only anonymous memory: private WAIT reads it, a shared key is EFAULT; PROT_NONE is EFAULT', () => {
    const { init } = boot();
    expect(futex(init, RO, FUTEX_WAIT | PRIV, 1)).toBe(-Errno.EAGAIN);
    expect(futex(init, RO, FUTEX_WAIT, 1)).toBe(-Errno.EFAULT);
    expect(futex(init, RO, FUTEX_WAKE, 1)).toBe(-Errno.EFAULT);
    expect(futex(init, NONE, FUTEX_WAIT | PRIV, 0)).toBe(-Errno.EFAULT);
    expect(futex(init, NONE, FUTEX_WAKE, 1)).toBe(-Errno.EFAULT);
    expect(futex(init, NONE, FUTEX_WAKE | PRIV, 1)).toBe(0);
  });

  it('unknown commands, FUTEX_FD and CLOCK_REALTIME outside WAIT_BITSET -> ENOSYS (not EINVAL)', () => {
    const { init } = boot();
    poke(init, A, i32s([5]));
    expect(futex(init, A, 99 | PRIV, 5)).toBe(-Errno.ENOSYS);
    expect(futex(init, A, 2 | PRIV, 5)).toBe(-Errno.ENOSYS);
    expect(futex(init, A, -1, 5)).toBe(-Errno.ENOSYS);
    expect(futex(init, A, FUTEX_WAKE | PRIV | FUTEX_CLOCK_REALTIME, 1)).toBe(-Errno.ENOSYS);
    writeTimespec(init, TS, 0n, 0n);
    expect(futex(init, A, FUTEX_WAIT | PRIV | FUTEX_CLOCK_REALTIME, 5, TS)).toBe(-Errno.ENOSYS);
  });

  it('the timeout is read first: EFAULT / EINVAL even where the command would fail later', () => {
    const { init } = boot();
    poke(init, A, i32s([5]));
    writeTimespec(init, TS, 0n, 1_000_000_000n);
    expect(futex(init, A, FUTEX_WAIT | PRIV | FUTEX_CLOCK_REALTIME, 5, TS)).toBe(-Errno.EINVAL);
    writeTimespec(init, TS, -1n, 0n);
    expect(futex(init, A, FUTEX_WAIT | PRIV, 5, TS)).toBe(-Errno.EINVAL);
    expect(futex(init, A, FUTEX_WAIT | PRIV, 6, UNMAPPED)).toBe(-Errno.EFAULT);
    expect(futex(init, A, 99 | PRIV, 5, UNMAPPED)).toBe(-Errno.ENOSYS);
  });

  it('bitset 0 -> EINVAL for WAIT_BITSET and WAKE_BITSET', () => {
    const { init } = boot();
    poke(init, A, i32s([5]));
    expect(futex(init, A, FUTEX_WAIT_BITSET | PRIV, 5, 0, 0, 0)).toBe(-Errno.EINVAL);
    expect(futex(init, A, FUTEX_WAKE_BITSET | PRIV, 1, 0, 0, 0)).toBe(-Errno.EINVAL);
  });

  it('REQUEUE / CMP_REQUEUE argument errors', () => {
    const { init } = boot();
    poke(init, A, i32s([5]));
    expect(futex(init, A, FUTEX_CMP_REQUEUE | PRIV, 1, 1, B, 4)).toBe(-Errno.EAGAIN);
    expect(futex(init, A, FUTEX_CMP_REQUEUE | PRIV, 1, 1, B, 5)).toBe(0);
    expect(futex(init, A, FUTEX_CMP_REQUEUE | PRIV, -1, 1, B, 5)).toBe(-Errno.EINVAL);
    expect(futex(init, A, FUTEX_CMP_REQUEUE | PRIV, 1, 0xffffffff, B, 5)).toBe(-Errno.EINVAL);
    expect(futex(init, A, FUTEX_REQUEUE | PRIV, 1, 1, B + 2)).toBe(-Errno.EINVAL);
    expect(futex(init, UNMAPPED, FUTEX_CMP_REQUEUE | PRIV, 1, 1, B, 0)).toBe(-Errno.EFAULT);
    expect(futex(init, A, FUTEX_CMP_REQUEUE | PRIV, 1, 1, UNMAPPED, 5)).toBe(0);
  });
});

describe('futex: FUTEX_WAKE_OP', () => {
  const op = (o: number, oparg: number, cmp: number, cmparg: number) =>
    ((o << 28) | (cmp << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff)) >>> 0;

  it('ADD, SET with OPARG_SHIFT, an unknown operation (nothing written) and comparison (written)', () => {
    const { init } = boot();
    poke(init, B, i32s([0]));
    expect(futex(init, A, FUTEX_WAKE_OP | PRIV, 1, 1, B, op(1, 7, 0, 0))).toBe(0);
    expect(peek32(init, B)).toBe(7);
    expect(futex(init, A, FUTEX_WAKE_OP | PRIV, 1, 1, B, op(8, 4, 0, 0))).toBe(0);
    expect(peek32(init, B)).toBe(16);
    expect(futex(init, A, FUTEX_WAKE_OP | PRIV, 1, 1, B, op(7, 1, 0, 0))).toBe(-Errno.ENOSYS);
    expect(peek32(init, B)).toBe(16);
    expect(futex(init, A, FUTEX_WAKE_OP | PRIV, 1, 1, B, op(0, 3, 9, 0))).toBe(-Errno.ENOSYS);
    expect(peek32(init, B)).toBe(3);
    expect(futex(init, A, FUTEX_WAKE_OP | PRIV, 1, 1, RO, op(0, 1, 0, 0))).toBe(-Errno.EFAULT);
    expect(futex(init, A, FUTEX_WAKE_OP | PRIV, 1, 1, UNMAPPED, op(7, 1, 0, 0))).toBe(-Errno.ENOSYS);
  });

  it('wakes uaddr1 waiters, and uaddr2 waiters only when the comparison with the old word holds', () => {
    const h = boot();
    const [t1, t2] = [newThread(h.init), newThread(h.init)];
    poke(h.init, A, i32s([0]));
    poke(h.init, B, i32s([0]));
    expect(futex(t1, A, FUTEX_WAIT | PRIV, 0)).toEqual(BLOCK);
    expect(futex(t2, B, FUTEX_WAIT | PRIV, 0)).toEqual(BLOCK);
    // SET 1, compare old (0) == 1: false -> only A's waiter.
    expect(futex(h.init, A, FUTEX_WAKE_OP | PRIV, 1, 1, B, op(0, 1, 0, 1))).toBe(1);
    // SET 2, compare old (1) == 1: true -> B's waiter too (nobody left on A).
    expect(futex(h.init, A, FUTEX_WAKE_OP | PRIV, 1, 1, B, op(0, 2, 0, 1))).toBe(1);
    expect(schedule(h)).toEqual([[t1, 0], [t2, 0]]);
  });
});

describe('futex: wait and wake through the scheduler', () => {
  it('a matching WAIT sleeps; WAKE makes it runnable and its re-run returns 0', () => {
    const h = boot();
    const t = newThread(h.init);
    poke(h.init, A, i32s([0]));
    expect(futex(t, A, FUTEX_WAIT | PRIV, 0)).toEqual(BLOCK);
    expect(t.state).toBe('blocked');
    expect(futex(h.init, A, FUTEX_WAKE | PRIV, 1)).toBe(1);
    expect(t.state).toBe('runnable');
    poke(h.init, A, i32s([9])); // the word changes before the woken task runs: still 0
    expect(schedule(h)).toEqual([[t, 0]]);
    expect(futexWaiterOf(t)).toBeUndefined();
  });

  it('waiters are woken oldest first; WAKE with nr 0 still wakes one', () => {
    const h = boot();
    const ts = [newThread(h.init), newThread(h.init), newThread(h.init)];
    poke(h.init, A, i32s([0]));
    for (const t of ts) expect(futex(t, A, FUTEX_WAIT | PRIV, 0)).toEqual(BLOCK);
    expect(futex(h.init, A, FUTEX_WAKE | PRIV, 0)).toBe(1);
    expect(schedule(h)).toEqual([[ts[0], 0]]);
    expect(futex(h.init, A, FUTEX_WAKE | PRIV, 5)).toBe(2);
    expect(schedule(h)).toEqual([[ts[1], 0], [ts[2], 0]]);
  });

  it('a private WAKE does not reach a shared waiter of the same word, and the reverse', () => {
    const h = boot();
    const [t1, t2] = [newThread(h.init), newThread(h.init)];
    poke(h.init, A, i32s([0]));
    expect(futex(t1, A, FUTEX_WAIT, 0)).toEqual(BLOCK);
    expect(futex(t2, A, FUTEX_WAIT | PRIV, 0)).toEqual(BLOCK);
    expect(futex(h.init, A, FUTEX_WAKE | PRIV, 8)).toBe(1);
    expect(schedule(h)).toEqual([[t2, 0]]);
    expect(futex(h.init, A, FUTEX_WAKE, 8)).toBe(1);
    expect(schedule(h)).toEqual([[t1, 0]]);
  });

  it('WAKE_BITSET wakes only waiters whose bitset shares a bit', () => {
    const h = boot();
    const t = newThread(h.init);
    poke(h.init, A, i32s([0]));
    expect(futex(t, A, FUTEX_WAIT_BITSET | PRIV, 0, 0, 0, 2)).toEqual(BLOCK);
    expect(futex(h.init, A, FUTEX_WAKE_BITSET | PRIV, 8, 0, 0, 1)).toBe(0);
    expect(futex(h.init, A, FUTEX_WAKE_BITSET | PRIV, 8, 0, 0, 3)).toBe(1);
    expect(schedule(h)).toEqual([[t, 0]]);
  });

  it('CMP_REQUEUE wakes nr_wake and moves nr_requeue to the tail of the second queue', () => {
    const h = boot();
    const ts = [newThread(h.init), newThread(h.init), newThread(h.init), newThread(h.init)];
    poke(h.init, A, i32s([0]));
    poke(h.init, B, i32s([0]));
    expect(futex(ts[3], B, FUTEX_WAIT | PRIV, 0)).toEqual(BLOCK);
    for (const t of ts.slice(0, 3)) expect(futex(t, A, FUTEX_WAIT | PRIV, 0)).toEqual(BLOCK);
    expect(futex(h.init, A, FUTEX_CMP_REQUEUE | PRIV, 1, 1, B, 0)).toBe(2);
    expect(schedule(h)).toEqual([[ts[0], 0]]);
    expect(futex(h.init, B, FUTEX_WAKE | PRIV, 1)).toBe(1);
    expect(futex(h.init, B, FUTEX_WAKE | PRIV, 1)).toBe(1);
    expect(schedule(h)).toEqual([[ts[3], 0], [ts[1], 0]]);
    expect(futex(h.init, A, FUTEX_REQUEUE | PRIV, 0, 0, B)).toBe(0);
    expect(futex(h.init, A, FUTEX_WAKE | PRIV, 1)).toBe(1);
    expect(schedule(h)).toEqual([[ts[2], 0]]);
  });

  it('a spurious re-run sleeps again at the tail, or returns EAGAIN when the word changed', () => {
    const h = boot();
    const [t1, t2] = [newThread(h.init), newThread(h.init)];
    poke(h.init, A, i32s([0]));
    expect(futex(t1, A, FUTEX_WAIT | PRIV, 0)).toEqual(BLOCK);
    expect(futex(t2, A, FUTEX_WAIT | PRIV, 0)).toEqual(BLOCK);
    const q = futexWaiterOf(t1)!.sleep;
    q.wakeAll(); // not a futex wake
    expect(schedule(h)).toEqual([]); // t1 re-ran and went back to sleep
    expect(t1.state).toBe('blocked');
    expect(futex(h.init, A, FUTEX_WAKE | PRIV, 1)).toBe(1);
    expect(schedule(h)).toEqual([[t2, 0]]); // t1 now queues behind t2
    poke(h.init, A, i32s([1]));
    futexWaiterOf(t1)!.sleep.wakeAll();
    expect(schedule(h)).toEqual([[t1, -Errno.EAGAIN]]);
    expect(futexWaiterOf(t1)).toBeUndefined();
  });

  it('a waiter killed by exit_group is not counted by a later wake', () => {
    const h = boot();
    const [t1, t2] = [newThread(h.init), newThread(h.init)];
    poke(h.init, A, i32s([0]));
    expect(futex(t1, A, FUTEX_WAIT | PRIV, 0)).toEqual(BLOCK);
    expect(futex(t2, A, FUTEX_WAIT | PRIV, 0)).toEqual(BLOCK);
    doExit(t1, 9);
    expect(futex(h.init, A, FUTEX_WAKE | PRIV, 1)).toBe(1);
    expect(schedule(h)).toEqual([[t2, 0]]);
    expect(futex(h.init, A, FUTEX_WAKE | PRIV, 1)).toBe(0);
  });
});

describe('futex: timeouts on the virtual clock', () => {
  it('a zero or past timeout -> ETIMEDOUT without sleeping; a mismatched word is still EAGAIN', () => {
    const { init } = boot();
    poke(init, A, i32s([5]));
    writeTimespec(init, TS, 0n, 0n);
    expect(futex(init, A, FUTEX_WAIT | PRIV, 5, TS)).toBe(-Errno.ETIMEDOUT);
    expect(futex(init, A, FUTEX_WAIT | PRIV, 6, TS)).toBe(-Errno.EAGAIN);
    writeTimespec(init, TS, 1n, 0n);
    expect(futex(init, A, FUTEX_WAIT_BITSET | PRIV, 5, TS, 0, ANY)).toBe(-Errno.ETIMEDOUT);
    expect(futex(init, A, FUTEX_WAIT_BITSET | PRIV | FUTEX_CLOCK_REALTIME, 5, TS, 0, ANY)).toBe(-Errno.ETIMEDOUT);
  });

  it('a relative timeout expires when the idle loop skips to it: ETIMEDOUT, and the clock moved by the wait', () => {
    const h = boot();
    const t = newThread(h.init);
    poke(h.init, A, i32s([0]));
    writeTimespec(h.init, TS, 0n, 20_000_000n);
    const start = monotonicNowNs(h.kernel);
    expect(futex(t, A, FUTEX_WAIT | PRIV, 0, TS)).toEqual(BLOCK);
    expect(schedule(h)).toEqual([]);
    expect(idleUntilNextTimer(h.kernel)).toBe(true);
    expect(monotonicNowNs(h.kernel) - start).toBe(20_000_000n);
    expect(virtualSkippedNs(h.kernel)).toBeGreaterThan(0n);
    expect(schedule(h)).toEqual([[t, -Errno.ETIMEDOUT]]);
    expect(futex(h.init, A, FUTEX_WAKE | PRIV, 1)).toBe(0);
    expect(idleUntilNextTimer(h.kernel)).toBe(false);
  });

  it('an absolute CLOCK_REALTIME deadline is converted to the monotonic timeline', () => {
    const h = boot();
    const t = newThread(h.init);
    poke(h.init, A, i32s([0]));
    const epoch = 1767225600n; // the virtual REALTIME at boot
    writeTimespec(h.init, TS, epoch + 3n, 0n);
    expect(futex(t, A, FUTEX_WAIT_BITSET | PRIV | FUTEX_CLOCK_REALTIME, 0, TS, 0, ANY)).toEqual(BLOCK);
    const before = monotonicNowNs(h.kernel);
    expect(idleUntilNextTimer(h.kernel)).toBe(true);
    expect(monotonicNowNs(h.kernel) - before).toBeLessThanOrEqual(3_000_000_000n);
    expect(monotonicNowNs(h.kernel) - before).toBeGreaterThan(2_999_000_000n);
    expect(schedule(h)).toEqual([[t, -Errno.ETIMEDOUT]]);
  });

  it('a wake before the deadline returns 0 and cancels the timer', () => {
    const h = boot();
    const t = newThread(h.init);
    poke(h.init, A, i32s([0]));
    writeTimespec(h.init, TS, 100n, 0n);
    expect(futex(t, A, FUTEX_WAIT | PRIV, 0, TS)).toEqual(BLOCK);
    expect(hasPendingTimers(h.kernel)).toBe(true);
    expect(futex(h.init, A, FUTEX_WAKE | PRIV, 1)).toBe(1);
    expect(hasPendingTimers(h.kernel)).toBe(false);
    expect(schedule(h)).toEqual([[t, 0]]);
  });

  it('a wake after the timer fired but before the re-run counts the waiter and the wait returns 0 (Linux)', () => {
    const h = boot();
    const t = newThread(h.init);
    poke(h.init, A, i32s([0]));
    writeTimespec(h.init, TS, 0n, 1000n);
    expect(futex(t, A, FUTEX_WAIT | PRIV, 0, TS)).toEqual(BLOCK);
    expect(idleUntilNextTimer(h.kernel)).toBe(true);
    expect(t.state).toBe('runnable');
    expect(futex(h.init, A, FUTEX_WAKE | PRIV, 1)).toBe(1);
    expect(schedule(h)).toEqual([[t, 0]]);
  });

  it('a timeout at or past KTIME_MAX never fires', () => {
    const h = boot();
    const t = newThread(h.init);
    poke(h.init, A, i32s([0]));
    writeTimespec(h.init, TS, 9223372036n, 999_999_999n);
    expect(futex(t, A, FUTEX_WAIT | PRIV, 0, TS)).toEqual(BLOCK);
    expect(hasPendingTimers(h.kernel)).toBe(false);
  });
});

describe('thread exit: clear_child_tid and the robust list', () => {
  it('T121 a CLONE_CHILD_CLEARTID thread exits: *T becomes 0 and one (shared) waiter is woken', () => {
    const h = boot();
    const t = newThread(h.init);
    const tid = t.pid.nrAt(0);
    expect(peek32(h.init, PTID)).toBe(tid);
    poke(h.init, CTID, i32s([tid]));
    const [w1, w2] = [newThread(h.init), newThread(h.init)];
    expect(futex(w1, CTID, FUTEX_WAIT, tid)).toEqual(BLOCK);
    expect(futex(w2, CTID, FUTEX_WAIT, tid)).toEqual(BLOCK);
    expect(trap(t, 'exit', 0)).toEqual({ kind: 'exit' });
    expect(peek32(h.init, CTID)).toBe(0);
    expect(schedule(h)).toEqual([[w1, 0]]);
    expect(w2.state).toBe('blocked');
    expect(h.kernel.tasks.has(t)).toBe(false);
  });

  it('after exit_group from a non-leader thread no thread or pid remains but the zombie init', () => {
    const h = boot();
    const [t1, t2] = [newThread(h.init), newThread(h.init)];
    poke(h.init, A, i32s([0]));
    expect(futex(t1, A, FUTEX_WAIT | PRIV, 0)).toEqual(BLOCK);
    writeTimespec(h.init, TS, 5n, 0n);
    expect(trap(h.init, 'nanosleep', TS, 0)).toEqual(BLOCK);
    expect(trap(t2, 'exit_group', 7)).toEqual({ kind: 'exit' });
    expect([...h.kernel.tasks]).toEqual([h.init]);
    expect(h.init.state).toBe('zombie');
    expect(h.kernel.initStatus).toBe(7 << 8);
    expect(checkPidInvariants([h.kernel.rootPidNs])).toEqual([]);
    expect(hasPendingTimers(h.kernel)).toBe(false);
    expect(schedule(h)).toEqual([]);
  });

  /** Writes a robust list at HEAD: entries at the given addresses, lock words at entry + offset. */
  function robustList(task: Task, entries: number[], offset: number, pending = 0): void {
    poke(task, HEAD, u64s([entries[0] ?? HEAD, BigInt(offset), pending]));
    entries.forEach((e, i) => poke(task, e, u64s([entries[i + 1] ?? HEAD])));
    expect(sys(task, 'set_robust_list', HEAD, 24)).toBe(0);
  }

  const E1 = SCRATCH + 0x3000;
  const E2 = SCRATCH + 0x3040;
  const OFF = -8; // lock word 8 bytes before each entry (glibc's layout differs; any offset works)

  it('locks the dying thread owns get FUTEX_OWNER_DIED (tid cleared); one waiter is woken if FUTEX_WAITERS', () => {
    const h = boot();
    const t = newThread(h.init);
    const tid = t.pid.nrAt(0);
    const w = newThread(h.init);
    robustList(t, [E1, E2], OFF);
    const word1 = (tid | FUTEX_WAITERS) >>> 0;
    poke(h.init, E1 + OFF, i32s([word1 | 0]));
    poke(h.init, E2 + OFF, i32s([1234])); // another owner
    expect(futex(w, E1 + OFF, FUTEX_WAIT, word1)).toEqual(BLOCK);
    expect(trap(t, 'exit', 0)).toEqual({ kind: 'exit' });
    expect(peek32(h.init, E1 + OFF) >>> 0).toBe((FUTEX_WAITERS | FUTEX_OWNER_DIED) >>> 0);
    expect(peek32(h.init, E2 + OFF)).toBe(1234);
    expect(schedule(h)).toEqual([[w, 0]]);
  });

  it('the pending entry: owned -> OWNER_DIED; unowned (0) -> only a wake; a PI entry is marked but not woken', () => {
    const h = boot();
    const t = newThread(h.init);
    const w = newThread(h.init);
    robustList(t, [E1], OFF, E2);
    poke(h.init, E1 + OFF, i32s([(t.pid.nrAt(0) | FUTEX_WAITERS) | 0]));
    poke(h.init, E2 + OFF, i32s([0]));
    expect(futex(w, E2 + OFF, FUTEX_WAIT, 0)).toEqual(BLOCK);
    poke(t, HEAD, u64s([BigInt(E1) | 1n])); // E1 is a PI lock
    expect(trap(t, 'exit', 0)).toEqual({ kind: 'exit' });
    expect(peek32(h.init, E1 + OFF) >>> 0).toBe((FUTEX_WAITERS | FUTEX_OWNER_DIED) >>> 0);
    expect(peek32(h.init, E2 + OFF)).toBe(0);
    expect(schedule(h)).toEqual([[w, 0]]);
  });

  it('a circular list without the head stops after ROBUST_LIST_LIMIT entries; a fault or misalignment stops it', () => {
    const h = boot();
    const t = newThread(h.init);
    const tid = t.pid.nrAt(0);
    // E1 -> E2 -> E1 -> ... never reaches HEAD; the walk ends after 2048 entries instead of looping.
    robustList(t, [E1, E2], OFF);
    poke(h.init, E2, u64s([E1]));
    poke(h.init, E1 + OFF, i32s([tid]));
    poke(h.init, E2 + OFF, i32s([tid]));
    expect(ROBUST_LIST_LIMIT).toBe(2048);
    expect(trap(t, 'exit', 0)).toEqual({ kind: 'exit' });
    expect(peek32(h.init, E1 + OFF) >>> 0).toBe(FUTEX_OWNER_DIED);
    expect(peek32(h.init, E2 + OFF) >>> 0).toBe(FUTEX_OWNER_DIED);

    const t2 = newThread(h.init);
    const tid2 = t2.pid.nrAt(0);
    robustList(t2, [E1, E2], 2); // lock words unaligned: the first one ends the walk
    poke(h.init, E1 + 2, i32s([tid2]));
    expect(trap(t2, 'exit', 0)).toEqual({ kind: 'exit' });
    expect(peek32(h.init, E1 + 2)).toBe(tid2);
  });
});

describe('kernel timers', () => {
  it('fire in deadline order, ties in the order armed; cancelled and dead owners never fire', () => {
    const h = boot();
    const t = newThread(h.init);
    const now = monotonicNowNs(h.kernel);
    const fired: string[] = [];
    addTimer(h.init, now + 30n, () => fired.push('c'));
    addTimer(h.init, now + 10n, () => fired.push('a'));
    addTimer(h.init, now + 10n, () => fired.push('b'));
    cancelTimer(addTimer(h.init, now + 20n, () => fired.push('cancelled')));
    addTimer(t, now + 5n, () => fired.push('dead'));
    doExit(t, 0);
    expect(runExpiredTimers(h.kernel)).toBe(0);
    while (idleUntilNextTimer(h.kernel));
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(monotonicNowNs(h.kernel) - now).toBe(30n);
  });
});

describe('nanosleep, clock_nanosleep, sched_yield', () => {
  it('nanosleep sleeps on a timer; the re-run after it fired returns 0 and rem is not written', () => {
    const h = boot();
    writeTimespec(h.init, TS, 1n, 500n);
    writeTimespec(h.init, TS2, 7n, 7n);
    const start = monotonicNowNs(h.kernel);
    expect(trap(h.init, 'nanosleep', TS, TS2)).toEqual(BLOCK);
    expect(schedule(h)).toEqual([]);
    expect(idleUntilNextTimer(h.kernel)).toBe(true);
    expect(monotonicNowNs(h.kernel) - start).toBe(1_000_000_500n);
    expect(schedule(h)).toEqual([[h.init, 0]]);
    expect(peek32(h.init, TS2)).toBe(7);
  });

  it('a spurious re-run of a sleep sleeps on', () => {
    const h = boot();
    writeTimespec(h.init, TS, 1n, 0n);
    const r = trap(h.init, 'nanosleep', TS, 0);
    expect(r).toEqual(BLOCK);
    (r as { queue: { wakeAll(): number } }).queue.wakeAll();
    expect(schedule(h)).toEqual([]);
    expect(h.init.state).toBe('blocked');
  });

  it('errors: EINVAL / EFAULT for the request; a zero sleep yields and returns 0', () => {
    const { init } = boot();
    writeTimespec(init, TS, 0n, -1n);
    expect(trap(init, 'nanosleep', TS, 0)).toBe(-Errno.EINVAL);
    expect(trap(init, 'nanosleep', UNMAPPED, 0)).toBe(-Errno.EFAULT);
    writeTimespec(init, TS, 0n, 0n);
    expect(trap(init, 'nanosleep', TS, 0)).toEqual({ kind: 'yield', result: 0 });
  });

  it('clock_nanosleep: clock errors before or after the request is read, as Linux 6.18', () => {
    const { init } = boot();
    writeTimespec(init, TS, 0n, 1000n);
    expect(trap(init, 'clock_nanosleep', 4, 0, UNMAPPED, 0)).toBe(-Errno.EOPNOTSUPP); // MONOTONIC_RAW
    expect(trap(init, 'clock_nanosleep', 3, 0, TS, 0)).toBe(-Errno.EOPNOTSUPP); // THREAD_CPUTIME_ID
    expect(trap(init, 'clock_nanosleep', -5, 0, UNMAPPED, 0)).toBe(-Errno.EOPNOTSUPP); // a clock fd
    expect(trap(init, 'clock_nanosleep', 10, 0, UNMAPPED, 0)).toBe(-Errno.EINVAL);
    expect(trap(init, 'clock_nanosleep', 8, 0, UNMAPPED, 0)).toBe(-Errno.EFAULT); // REALTIME_ALARM
    expect(trap(init, 'clock_nanosleep', 8, 0, TS, 0)).toBe(-Errno.EOPNOTSUPP);
    expect(trap(init, 'clock_nanosleep', -2, 0, UNMAPPED, 0)).toBe(-Errno.EFAULT);
    expect(trap(init, 'clock_nanosleep', -2, 0, TS, 0)).toBe(-Errno.EINVAL);
    writeTimespec(init, TS2, 0n, 1_000_000_000n);
    expect(trap(init, 'clock_nanosleep', 1, 0, TS2, 0)).toBe(-Errno.EINVAL);
  });

  it('clock_nanosleep TIMER_ABSTIME on MONOTONIC and REALTIME: a past time yields, a future one sleeps until it', () => {
    const h = boot();
    writeTimespec(h.init, TS, 1n, 0n);
    expect(trap(h.init, 'clock_nanosleep', 1, 1, TS, 0)).toEqual({ kind: 'yield', result: 0 });
    expect(trap(h.init, 'clock_nanosleep', 0, 1, TS, 0)).toEqual({ kind: 'yield', result: 0 });
    writeTimespec(h.init, TS, 20n, 0n); // CLOCK_MONOTONIC 20 s (the virtual uptime starts at 10 s)
    expect(trap(h.init, 'clock_nanosleep', 1, 1 | 2, TS, 0)).toEqual(BLOCK);
    expect(idleUntilNextTimer(h.kernel)).toBe(true);
    expect(monotonicNowNs(h.kernel)).toBe(20_000_000_000n);
    expect(schedule(h)).toEqual([[h.init, 0]]);
  });

  it('sched_yield returns 0 through a yield control', () => {
    const { init } = boot();
    expect(trap(init, 'sched_yield')).toEqual({ kind: 'yield', result: 0 });
  });
});
