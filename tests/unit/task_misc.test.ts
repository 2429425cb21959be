/**
 * set_tid_address, set/get_robust_list, rseq, rt_sigaction, rt_sigprocmask, sigaltstack, sched_getaffinity:
 * spec section 2 (glibc start-up) and the answers of the reference machine (Linux 6.18) for the error cases.
 */
import os from 'node:os';
import { describe, it, expect } from 'vitest';
import { bootHarness, poke, peek, sys, sysn, u64s, SCRATCH } from '../helpers/kernel_harness.js';
import { blockedOf, sigactionsOf } from '../../kernel/task_misc.js';
import { Errno } from '../../kernel/uapi/errno.js';
import type { Task } from '../../kernel/sched/task.js';

const BUF = SCRATCH + 0x1000;
const OUT = SCRATCH + 0x2000;

function u64At(task: Task, at: number, n: number): bigint[] {
  const v = new DataView(peek(task, at, n * 8).buffer);
  return Array.from({ length: n }, (_, i) => v.getBigUint64(i * 8, true));
}

const SA_RESTORER = 0x04000000n;
const SA_RESTART = 0x10000000n;
const sig = (n: number) => 1n << BigInt(n - 1);

describe('set_tid_address / robust list / rseq', () => {
  it('set_tid_address stores the pointer and returns the caller tid', () => {
    const { init } = bootHarness();
    expect(sysn(init, 'set_tid_address', 0x4c9650)).toBe(sysn(init, 'gettid'));
    expect(init.clearChildTid).toBe(0x4c9650);
  });

  it('set_robust_list(head, 24) = 0; any other length is EINVAL', () => {
    const { init } = bootHarness();
    expect(sysn(init, 'set_robust_list', 0x4c9660, 24)).toBe(0);
    expect(init.robustListHead).toBe(0x4c9660);
    expect(sysn(init, 'set_robust_list', BUF, 23)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'set_robust_list', BUF, 0x100000018n)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'set_robust_list', 0, 24)).toBe(0);
  });

  it('get_robust_list(0, &head, &len) reports them; ESRCH for an unknown pid; EFAULT', () => {
    const { init } = bootHarness();
    sysn(init, 'set_robust_list', 0x4c9660, 24);
    expect(sysn(init, 'get_robust_list', 0, OUT, OUT + 8)).toBe(0);
    expect(u64At(init, OUT, 2)).toEqual([0x4c9660n, 24n]);
    expect(sysn(init, 'get_robust_list', 4242, OUT, OUT + 8)).toBe(-Errno.ESRCH);
    expect(sysn(init, 'get_robust_list', 0, OUT, 8)).toBe(-Errno.EFAULT);
  });

  it('spec 2: rseq(ptr, 32, 0, 0x53053053) -> ENOSYS (glibc runs without rseq)', () => {
    const { init } = bootHarness();
    expect(sysn(init, 'rseq', BUF, 32, 0, 0x53053053)).toBe(-Errno.ENOSYS);
  });
});

describe('rt_sigaction', () => {
  it('stores an action and reports the old one (SIG_DFL first); unknown sa_flags bits are dropped', () => {
    const { init } = bootHarness();
    poke(init, BUF, u64s([0x401615, SA_RESTORER | SA_RESTART | 0x100n, 0x401000, sig(2) | sig(9) | sig(33)]));
    expect(sysn(init, 'rt_sigaction', 12, BUF, OUT, 8)).toBe(0);
    expect(u64At(init, OUT, 4)).toEqual([0n, 0n, 0n, 0n]);
    expect(sysn(init, 'rt_sigaction', 12, 0, OUT, 8)).toBe(0);
    expect(u64At(init, OUT, 4)).toEqual([0x401615n, SA_RESTORER | SA_RESTART, 0x401000n, sig(2) | sig(33)]);
    expect(sigactionsOf(init)[11]!.sa_handler).toBe(0x401615n);
  });

  it('EINVAL: sigsetsize 4, signal 0 or 65, a new action for SIGKILL or SIGSTOP; querying SIGKILL is fine', () => {
    const { init } = bootHarness();
    poke(init, BUF, u64s([1, 0, 0, 0]));
    expect(sysn(init, 'rt_sigaction', 10, BUF, OUT, 4)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'rt_sigaction', 0, 0, OUT, 8)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'rt_sigaction', 65, 0, OUT, 8)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'rt_sigaction', 9, BUF, OUT, 8)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'rt_sigaction', 19, BUF, 0, 8)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'rt_sigaction', 9, 0, OUT, 8)).toBe(0);
    expect(sysn(init, 'rt_sigaction', 34, 0, 0, 8)).toBe(0);
  });

  it('EFAULT reading act (before the signal check) and writing oact', () => {
    const { init } = bootHarness();
    expect(sysn(init, 'rt_sigaction', 65, 8, 0, 8)).toBe(-Errno.EFAULT);
    expect(sysn(init, 'rt_sigaction', 10, 0, 8, 8)).toBe(-Errno.EFAULT);
  });
});

describe('rt_sigprocmask', () => {
  it('SIG_BLOCK / SIG_UNBLOCK / SIG_SETMASK; SIGKILL and SIGSTOP never blocked; old mask reported', () => {
    const { init } = bootHarness();
    poke(init, BUF, u64s([~0n]));
    expect(sysn(init, 'rt_sigprocmask', 0, BUF, OUT, 8)).toBe(0);
    expect(u64At(init, OUT, 1)).toEqual([0n]);
    expect(blockedOf(init)).toBe(BigInt.asUintN(64, ~0n) & ~(sig(9) | sig(19)));
    poke(init, BUF, u64s([sig(2) | sig(17)]));
    expect(sysn(init, 'rt_sigprocmask', 2, BUF, 0, 8)).toBe(0);
    expect(blockedOf(init)).toBe(sig(2) | sig(17));
    poke(init, BUF, u64s([sig(2)]));
    expect(sysn(init, 'rt_sigprocmask', 1, BUF, OUT, 8)).toBe(0);
    expect(u64At(init, OUT, 1)).toEqual([sig(2) | sig(17)]);
    expect(blockedOf(init)).toBe(sig(17));
  });

  it('a bad how is EINVAL only with a new set; sigsetsize 4 is EINVAL; EFAULT', () => {
    const { init } = bootHarness();
    expect(sysn(init, 'rt_sigprocmask', 7, 0, 0, 8)).toBe(0);
    poke(init, BUF, u64s([0]));
    expect(sysn(init, 'rt_sigprocmask', 7, BUF, 0, 8)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'rt_sigprocmask', 2, BUF, 0, 4)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'rt_sigprocmask', 2, 8, 0, 8)).toBe(-Errno.EFAULT);
    expect(sysn(init, 'rt_sigprocmask', 2, 0, 8, 8)).toBe(-Errno.EFAULT);
  });
});

describe('sigaltstack', () => {
  function stack(task: Task, at: number, sp: number, flags: number, size: number): number {
    const b = new Uint8Array(24);
    const v = new DataView(b.buffer);
    v.setBigUint64(0, BigInt(sp), true);
    v.setInt32(8, flags, true);
    v.setBigUint64(16, BigInt(size), true);
    poke(task, at, b);
    return at;
  }

  function readStack(task: Task, at: number): [bigint, number, bigint] {
    const v = new DataView(peek(task, at, 24).buffer);
    return [v.getBigUint64(0, true), v.getInt32(8, true), v.getBigUint64(16, true)];
  }

  it('none at first: {NULL, SS_DISABLE, 0}', () => {
    const { init } = bootHarness();
    expect(sysn(init, 'sigaltstack', 0, OUT)).toBe(0);
    expect(readStack(init, OUT)).toEqual([0n, 2, 0n]);
  });

  it('ENOMEM below MINSIGSTKSZ (300 bytes natively); a 64 KiB SS_AUTODISARM stack is kept and reported', () => {
    const { init } = bootHarness();
    expect(sysn(init, 'sigaltstack', stack(init, BUF, 0x7000000, 0, 300), OUT)).toBe(-Errno.ENOMEM);
    expect(sysn(init, 'sigaltstack', stack(init, BUF, 0x7000000, 0x80000000 | 0, 65536), OUT)).toBe(0);
    expect(readStack(init, OUT)).toEqual([0n, 2, 0n]);
    expect(sysn(init, 'sigaltstack', 0, OUT)).toBe(0);
    expect(readStack(init, OUT)).toEqual([0x7000000n, 0x80000000 | 0, 65536n]);
    expect(sysn(init, 'sigaltstack', stack(init, BUF, 0x7000000, 2, 65536), 0)).toBe(0);
    expect(sysn(init, 'sigaltstack', 0, OUT)).toBe(0);
    expect(readStack(init, OUT)).toEqual([0n, 2, 0n]);
  });

  it('EINVAL for mode bits other than 0, SS_ONSTACK, SS_DISABLE (flags 7 natively); EFAULT', () => {
    const { init } = bootHarness();
    expect(sysn(init, 'sigaltstack', stack(init, BUF, 0x7000000, 7, 65536), 0)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'sigaltstack', 8, 0)).toBe(-Errno.EFAULT);
    expect(sysn(init, 'sigaltstack', 0, 8)).toBe(-Errno.EFAULT);
  });

  it('SS_ONSTACK reported and EPERM for a change while the stack pointer is on the stack', () => {
    const { init } = bootHarness();
    const rsp = 0x7ffffffde000; // the harness frame's rsp
    expect(sysn(init, 'sigaltstack', stack(init, BUF, rsp - 0x1000, 0, 0x2000), 0)).toBe(0);
    expect(sysn(init, 'sigaltstack', 0, OUT)).toBe(0);
    expect(readStack(init, OUT)[1]).toBe(1);
    expect(sysn(init, 'sigaltstack', stack(init, BUF, 0x7000000, 0, 65536), 0)).toBe(-Errno.EPERM);
  });
});

describe('sched_getaffinity', () => {
  it('one bit per host CPU; returns min(len, 32) bytes as on the reference machine', () => {
    const { init } = bootHarness();
    const n = os.availableParallelism();
    expect(sys(init, 'sched_getaffinity', 0, 128, OUT)).toBe(Math.max(32, Math.ceil(n / 64) * 8));
    const mask = peek(init, OUT, 8);
    const cpus = [...Array(64).keys()].filter((c) => mask[c >> 3]! & (1 << (c & 7)));
    expect(cpus).toEqual([...Array(Math.min(n, 64)).keys()]);
    expect(sysn(init, 'sched_getaffinity', 0, 8, OUT)).toBe(8);
  });

  it('EINVAL for len 4 (not a multiple of 8); ESRCH; EFAULT', () => {
    const { init } = bootHarness();
    expect(sysn(init, 'sched_getaffinity', 0, 4, OUT)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'sched_getaffinity', 4242, 128, OUT)).toBe(-Errno.ESRCH);
    expect(sysn(init, 'sched_getaffinity', 0, 128, 8)).toBe(-Errno.EFAULT);
  });
});
