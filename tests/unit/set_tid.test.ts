/**
 * clone3 set_tid through the real syscall (spec 4.3, 4.5, 4.7; test vectors 9.5 T77-T101). R has pid_max 32768 and
 * cur(R) = 1000; a new namespace has pid_max 4194304 (per-namespace pid_max, 6.14+). F = 5000 and U = a used
 * number. Every failing case also checks that nothing leaked.
 */
import { describe, it, expect, beforeEach } from 'vitest';
import { Errno } from '../../kernel/uapi/errno.js';
import { CLONE_NEWPID, CLONE_VM } from '../../kernel/uapi/sched.js';
import { nsOfPid } from '../../kernel/pid.js';
import {
  BA, SIGCHLD, TIDS, boot, clone3, clone3SetTid, expectFail, forkChild, i32s, newPidNsInit, nspid, poke, proc,
  sys, sysn, type Harness,
} from '../helpers/clone_helpers.js';
import type { Task } from '../../kernel/sched/task.js';

const F = 5000;
const NEWPID = { flags: CLONE_NEWPID, exit_signal: SIGCHLD };

let h: Harness;
beforeEach(() => {
  h = boot({ cur: 1000 });
});

/** clone3 set_tid = tids (with extra fields) in caller must fail with errno, leaking nothing. */
function fails(caller: Task, tids: number[], errno: number, f = BA): void {
  expectFail(h, caller, () => clone3SetTid(caller, tids, f), errno);
}

/** A chain of CLONE_NEWPID inits below the harness init, `depth` deep; returns the innermost (CLONE_VM saves copies). */
function nest(depth: number): Task {
  let t = h.init;
  for (let i = 0; i < depth; i++) t = newPidNsInit(t, CLONE_NEWPID | CLONE_VM);
  return t;
}

describe('9.5 set_tid in R (level 0)', () => {
  it('T77 [0] -> EINVAL', () => fails(h.init, [0], Errno.EINVAL));
  it('T78 [-1] -> EINVAL', () => fails(h.init, [-1], Errno.EINVAL));
  it('T79 [-1, 0] size 2 -> EINVAL (2 > level 0 + 1)', () => fails(h.init, [-1, 0], Errno.EINVAL));
  it('T80 [1] -> EEXIST', () => fails(h.init, [1], Errno.EEXIST));
  it('T81 [32768] (pid_max) -> EINVAL', () => fails(h.init, [32768], Errno.EINVAL));

  it('T82 [32767] -> 32767', () => {
    expect(clone3SetTid(h.init, [32767])).toBe(32767);
  });

  it('T83 [F] -> F, and the child\'s getpid is F', () => {
    expect(clone3SetTid(h.init, [F])).toBe(F);
    expect(sysn(proc(h.init, F), 'getpid')).toBe(F);
  });

  it('T89 0xff bytes, size 31 -> EINVAL (31 > 1)', () => {
    poke(h.init, TIDS, new Uint8Array(31 * 4).fill(0xff));
    expectFail(h, h.init, () => clone3(h.init, { ...BA, set_tid: TIDS, set_tid_size: 31 }), Errno.EINVAL);
  });

  it('T90 unprivileged, [F] -> EPERM', () => {
    const c = forkChild(h.init);
    c.privileged = false;
    fails(c, [F], Errno.EPERM);
  });

  it.skip('T91 only CAP_CHECKPOINT_RESTORE -> success: capabilities other than "all or none" are not modelled', () => {});
});

describe('9.5 set_tid with CLONE_NEWPID from R', () => {
  it('T84 [F] with NEWPID -> EINVAL (the new namespace has no init)', () => fails(h.init, [F], Errno.EINVAL, NEWPID));

  it('T85 [1] with NEWPID -> success: 1 in the new namespace, automatic (1000) in R', () => {
    expect(clone3SetTid(h.init, [1], NEWPID)).toBe(1000);
    expect(nspid(proc(h.init, 1000))).toEqual([1000, 1]);
  });

  it('T86 [32768] with NEWPID -> EINVAL', () => fails(h.init, [32768], Errno.EINVAL, NEWPID));

  it('T87 [1, F] with NEWPID -> F; NSpid "F 1"', () => {
    expect(clone3SetTid(h.init, [1, F], NEWPID)).toBe(F);
    expect(nspid(proc(h.init, F))).toEqual([F, 1]);
  });

  it('T88 [1, U] with NEWPID, U used -> EEXIST', () => {
    const u = sysn(h.init, 'fork');
    fails(h.init, [1, u], Errno.EEXIST, NEWPID);
  });
});

describe('9.5 set_tid after unshare(CLONE_NEWPID) and inside a namespace', () => {
  it('T92 after unshare(NEWPID), no child yet: [F] without NEWPID -> EINVAL', () => {
    const c = forkChild(h.init);
    expect(sys(c, 'unshare', CLONE_NEWPID)).toBe(0);
    fails(c, [F], Errno.EINVAL);
  });

  it('T93 as T92; the first fork made N = 1 of A; N: [2] -> 2 in A', () => {
    const c = forkChild(h.init);
    expect(sys(c, 'unshare', CLONE_NEWPID)).toBe(0);
    const n = forkChild(c);
    expect(sysn(n, 'getpid')).toBe(1);
    expect(clone3SetTid(n, [2])).toBe(2);
    expect(nspid(proc(n, 2))).toEqual([1002, 2]);
  });

  it('T94 inside N (level 1): [1, -1, F] with NEWPID -> EINVAL (the level-1 entry)', () => {
    fails(nest(1), [1, -1, F], Errno.EINVAL, NEWPID);
  });

  it('T95 inside N: [1, 42, F, x] size 4 with NEWPID -> EINVAL (4 > level 2 + 1)', () => {
    fails(nest(1), [1, 42, F, 7], Errno.EINVAL, NEWPID);
  });

  it('T96 inside N: [1, 42, F] with NEWPID -> 42; NSpid from R "F 42 1"', () => {
    const n = nest(1);
    expect(clone3SetTid(n, [1, 42, F], NEWPID)).toBe(42);
    const m = proc(n, 42);
    expect(nspid(m)).toEqual([F, 42, 1]);
    expect(sysn(m, 'getpid')).toBe(1);
  });

  it('T97 caller in A, U used in A: [U, -1] -> EEXIST (6.18 order: level 1 is allocated before level 0 is checked)', () => {
    const n = nest(1);
    const u = sysn(n, 'fork');
    fails(n, [u, -1], Errno.EEXIST);
  });

  it('T97 with allocPidValidateFirst (6.19/7.0 order): [U, -1] -> EINVAL', () => {
    h = boot({ cur: 1000, allocPidValidateFirst: true });
    const n = nest(1);
    const u = sysn(n, 'fork');
    fails(n, [u, -1], Errno.EINVAL);
  });

  it.skip('T98 set_tid with caps only in the owning user namespace: user namespaces are not modelled', () => {});
  it.skip('T99 [F, G] without caps in the initial user namespace -> EPERM: user namespaces are not modelled', () => {});
});

describe('9.5 depth limits (MAX_PID_NS_LEVEL 32)', () => {
  it('T100 caller at level 32: clone3 CLONE_NEWPID -> ENOSPC', () => {
    const deep = nest(32);
    expect(nsOfPid(deep.pid).level).toBe(32);
    expectFail(h, deep, () => clone3(deep, NEWPID), Errno.ENOSPC);
  });

  it('T101 caller at level 32: set_tid of 32 free numbers, size 32 -> success, level 0 automatic', () => {
    const deep = nest(32);
    const tids = Array.from({ length: 32 }, (_, i) => 500 + i); // tids[k] is for level 32 - k
    expect(clone3SetTid(deep, tids)).toBe(500);
    const numbers = nspid(proc(deep, 500));
    expect(numbers[0]).toBe(1032); // R: 1000 + 32 inits before it
    expect(numbers.slice(1)).toEqual(tids.slice().reverse());
  });

  it('T101 a 33rd entry -> EINVAL (set_tid_size > 32)', () => {
    const deep = nest(32);
    poke(deep, TIDS, i32s(Array.from({ length: 33 }, (_, i) => 500 + i)));
    expectFail(h, deep, () => clone3(deep, { ...BA, set_tid: TIDS, set_tid_size: 33 }), Errno.EINVAL);
  });
});
