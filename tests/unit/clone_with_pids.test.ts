/**
 * The v11 clone_with_pids interface (spec 5, test vectors 9.8 T132-T145) at the kernel's configured number
 * (Kernel option cloneWithPidsNr, default 600; the spec's 299 is checked once). `pids` is outermost first.
 * R has cur = 1000; A is a namespace below R whose init is the caller where the vector says "caller in A".
 */
import { describe, it, expect, beforeEach } from 'vitest';
import { Errno } from '../../kernel/uapi/errno.js';
import { CLONE_NEWPID } from '../../kernel/uapi/sched.js';
import { CWP_ARGS, CWP_ARGS_SIZE } from '../../kernel/clone_with_pids.js';
import { CLONE_WITH_PIDS_NR_DEFAULT } from '../../kernel/kernel.js';
import {
  ARGS, SIGCHLD, TIDS, UNMAPPED, boot, clone3SetTid, expectFail, forkChild, i32s, newPidNsInit, nspid, poke, proc,
  sys, type Harness,
} from '../helpers/clone_helpers.js';
import type { Task } from '../../kernel/sched/task.js';

const F = 5000;

/** v11 struct clone_args fields (56 bytes). */
interface CwpArgs {
  clone_flags_high?: bigint;
  child_stack_base?: bigint;
  child_stack_size?: bigint;
  parent_tid_ptr?: bigint;
  child_tid_ptr?: bigint;
  nr_pids?: number;
  reserved0?: number;
  reserved1?: bigint;
}

function cwpArgs(a: CwpArgs): Uint8Array {
  const b = new Uint8Array(CWP_ARGS_SIZE);
  const v = new DataView(b.buffer);
  v.setBigUint64(CWP_ARGS.clone_flags_high, a.clone_flags_high ?? 0n, true);
  v.setBigUint64(CWP_ARGS.child_stack_base, a.child_stack_base ?? 0n, true);
  v.setBigUint64(CWP_ARGS.child_stack_size, a.child_stack_size ?? 0n, true);
  v.setBigUint64(CWP_ARGS.parent_tid_ptr, a.parent_tid_ptr ?? 0n, true);
  v.setBigUint64(CWP_ARGS.child_tid_ptr, a.child_tid_ptr ?? 0n, true);
  v.setUint32(CWP_ARGS.nr_pids, a.nr_pids ?? 0, true);
  v.setUint32(CWP_ARGS.reserved0, a.reserved0 ?? 0, true);
  v.setBigUint64(CWP_ARGS.reserved1, a.reserved1 ?? 0n, true);
  return b;
}

let h: Harness;
beforeEach(() => {
  h = boot({ cur: 1000 });
});

/**
 * clone_with_pids(flags, ARGS, size, pidsAt) in task with the struct and `pids` (written at TIDS, nr_pids = its
 * length unless a.nr_pids is given).
 */
function cwp(task: Task, a: CwpArgs, pids: number[] = [], o: { flags?: bigint; size?: number; pidsAt?: number } = {}) {
  poke(task, ARGS, cwpArgs({ nr_pids: pids.length, ...a }));
  if (pids.length) poke(task, TIDS, i32s(pids));
  const nr = task.kernel.opts.cloneWithPidsNr;
  return sys(task, nr, o.flags ?? BigInt(SIGCHLD), ARGS, o.size ?? CWP_ARGS_SIZE, o.pidsAt ?? TIDS);
}

function fails(task: Task, errno: number, a: CwpArgs, pids: number[] = [], o = {}): void {
  expectFail(h, task, () => cwp(task, a, pids, o), errno);
}

/** The init of A (level 1), the caller of T139-T142. */
function initOfA(): Task {
  return newPidNsInit(h.init);
}

describe('9.8 struct and argument checks (spec 5.2 steps 1-3, 7-8)', () => {
  it('T132 args_size 48 -> EINVAL (at the default number, 600)', () => {
    expect(h.kernel.opts.cloneWithPidsNr).toBe(CLONE_WITH_PIDS_NR_DEFAULT);
    fails(h.init, Errno.EINVAL, {}, [], { size: 48 });
  });

  it('T133 args_size 56, cargs unmapped -> EFAULT', () => {
    const nr = h.kernel.opts.cloneWithPidsNr;
    expectFail(h, h.init, () => sys(h.init, nr, SIGCHLD, UNMAPPED, CWP_ARGS_SIZE, 0), Errno.EFAULT);
  });

  it('T134 reserved0 = 1 -> EINVAL', () => fails(h.init, Errno.EINVAL, { reserved0: 1 }));
  it('T135 clone_flags_high = 1 -> EINVAL', () => fails(h.init, Errno.EINVAL, { clone_flags_high: 1n }));
  it('T136 caller in R, priv, nr_pids 2 -> EINVAL', () => fails(h.init, Errno.EINVAL, {}, [F, F + 1]));

  it('T137 caller in R, unpriv, nr_pids 2 -> EINVAL (checked before permission)', () => {
    const c = forkChild(h.init);
    c.privileged = false;
    fails(c, Errno.EINVAL, {}, [F, F + 1]);
  });

  it('T138 caller in R, unpriv, nr_pids 1, pids {F} -> EPERM', () => {
    const c = forkChild(h.init);
    c.privileged = false;
    fails(c, Errno.EPERM, {}, [F]);
  });
});

describe('9.8 choosing numbers (spec 5.2 step 10, 5.3)', () => {
  it('T139 caller in A, 77 free in A: pids {77} -> 77; automatic (1001) in R', () => {
    const n = initOfA();
    expect(cwp(n, {}, [77])).toBe(77);
    expect(nspid(proc(n, 77))).toEqual([1001, 77]);
  });

  it('T140 caller in A: pids {0, 77} -> same as T139', () => {
    const n = initOfA();
    expect(cwp(n, {}, [0, 77])).toBe(77);
    expect(nspid(proc(n, 77))).toEqual([1001, 77]);
  });

  it('T141 caller in A, 99 free in R: pids {99, 77} -> R 99, A 77; returns 77', () => {
    const n = initOfA();
    expect(cwp(n, {}, [99, 77])).toBe(77);
    expect(nspid(proc(n, 77))).toEqual([99, 77]);
  });

  it('T142 caller in A, 77 used in A: pids {77} -> EBUSY', () => {
    const n = initOfA();
    expect(clone3SetTid(n, [77])).toBe(77);
    fails(n, Errno.EBUSY, {}, [77]);
  });

  it('T143 caller in R, pids {F}, flags CLONE_NEWPID|SIGCHLD -> F; 1 in the new namespace', () => {
    expect(cwp(h.init, {}, [F], { flags: CLONE_NEWPID | BigInt(SIGCHLD) })).toBe(F);
    const c = proc(h.init, F);
    expect(nspid(c)).toEqual([F, 1]);
    expect(sys(c, 'getpid')).toBe(1);
  });

  it('T144 caller in R, priv, pids {32768} (pid_max) -> EINVAL', () => fails(h.init, Errno.EINVAL, {}, [32768]));

  it('T144 the same call unprivileged -> EPERM (permission first)', () => {
    const c = forkChild(h.init);
    c.privileged = false;
    fails(c, Errno.EPERM, {}, [32768]);
  });

  it('T145 nr_pids 0 with pids unmapped -> success (pids not read)', () => {
    expect(cwp(h.init, {}, [], { pidsAt: UNMAPPED })).toBe(1000);
  });
});

describe('9.8 option: the 2009 number 299 (now recvmmsg)', () => {
  it('T139 at cloneWithPidsNr 299 behaves the same', () => {
    h = boot({ cur: 1000, cloneWithPidsNr: 299 });
    const n = initOfA();
    expect(cwp(n, {}, [77])).toBe(77);
    expect(h.kernel.table[299]?.name).toBe('clone_with_pids');
  });
});
