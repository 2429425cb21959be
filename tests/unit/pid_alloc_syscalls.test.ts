/**
 * Automatic pid allocation seen through fork and clone3 (spec 4.3, 4.8; test vectors 9.4 T67-T76). sysemu has no
 * /proc, so the ns_last_pid writes of T70-T73 call setNsLastPid (the function /proc/sys/kernel/ns_last_pid would
 * call); the allocation itself always goes through a real syscall.
 */
import { describe, it, expect } from 'vitest';
import { Errno } from '../../kernel/uapi/errno.js';
import { CLONE_NEWPID, CLONE_VM } from '../../kernel/uapi/sched.js';
import { nsLastPid, setNsLastPid } from '../../kernel/pid_namespace.js';
import { findPidNs, nsOfPid } from '../../kernel/pid.js';
import {
  SIGCHLD, boot, clone3, clone3SetTid, expectFail, newPidNsInit, nspid, proc, setCur, sys, sysn,
  type Harness,
} from '../helpers/clone_helpers.js';
import type { Task } from '../../kernel/sched/task.js';

/** A cheap process (CLONE_VM: no address-space copy) that holds one number; returns its number. */
function holder(task: Task): number {
  return Number(clone3(task, { flags: CLONE_VM, exit_signal: SIGCHLD }));
}

/** Occupies first..last (inclusive) in the root namespace with holders, starting the cursor at `first`. */
function occupy(h: Harness, first: number, last: number): void {
  setCur(h.kernel.rootPidNs, first);
  for (let nr = first; nr <= last; nr++) if (holder(h.init) !== nr) throw new Error(`holder did not get ${nr}`);
}

describe('9.4 cyclic allocation in R (pid_max 32768)', () => {
  it('T67 cur 32768, 300..309 used, 310 free: fork -> 310', () => {
    const h = boot();
    occupy(h, 300, 309);
    setCur(h.kernel.rootPidNs, 32768);
    expect(sysn(h.init, 'fork')).toBe(310);
  });

  it('T68 cur 32768, 300 free: fork -> 300 (the wrap target is 300, not 301)', () => {
    const h = boot({ cur: 32768 });
    expect(sysn(h.init, 'fork')).toBe(300);
  });

  it('T69 all of 300..32767 used, 2..299 free, cur 32768: fork -> EAGAIN', () => {
    const h = boot();
    occupy(h, 300, 32767);
    setCur(h.kernel.rootPidNs, 32768);
    expect(findPidNs(2, h.kernel.rootPidNs)).toBeNull();
    expectFail(h, h.init, () => sys(h.init, 'fork'), Errno.EAGAIN);
  });
});

describe('9.4 ns_last_pid (spec 4.8)', () => {
  it('T70 write 4999, fork -> 5000', () => {
    const h = boot();
    expect(setNsLastPid(h.kernel.rootPidNs, 4999, true)).toBe(0);
    expect(sysn(h.init, 'fork')).toBe(5000);
  });

  it('T71 100 free, write 99, fork -> 100 (below RESERVED_PIDS because the cursor is <= 300)', () => {
    const h = boot();
    expect(setNsLastPid(h.kernel.rootPidNs, 99, true)).toBe(0);
    expect(sysn(h.init, 'fork')).toBe(100);
  });

  it('T72 unprivileged write -> EPERM, the cursor is unchanged', () => {
    const h = boot({ cur: 1000 });
    expect(setNsLastPid(h.kernel.rootPidNs, 4999, false)).toBe(-Errno.EPERM);
    expect(sysn(h.init, 'fork')).toBe(1000);
  });

  it('T73 write 32769 or -1 -> EINVAL (32768 = pid_max is accepted)', () => {
    const h = boot({ cur: 1000 });
    expect(setNsLastPid(h.kernel.rootPidNs, 32769, true)).toBe(-Errno.EINVAL);
    expect(setNsLastPid(h.kernel.rootPidNs, -1, true)).toBe(-Errno.EINVAL);
    expect(nsLastPid(h.kernel.rootPidNs)).toBe(999);
    expect(setNsLastPid(h.kernel.rootPidNs, 32768, true)).toBe(0);
  });
});

describe('9.4 new namespaces (spec 4.3, 4.9)', () => {
  it('T74 cur(R) 1000: clone3 CLONE_NEWPID -> 1000; child getpid 1, getppid 0, gettid 1; new cur 2', () => {
    const h = boot({ cur: 1000 });
    expect(clone3(h.init, { flags: CLONE_NEWPID, exit_signal: SIGCHLD })).toBe(1000);
    const n = proc(h.init, 1000);
    expect([sysn(n, 'getpid'), sysn(n, 'getppid'), sysn(n, 'gettid')]).toEqual([1, 0, 1]);
    expect(nsLastPid(nsOfPid(n.pid)) + 1).toBe(2);
  });

  it('T75 after T74 the namespace init forks: 2 in the new namespace, 1001 in R', () => {
    const h = boot({ cur: 1000 });
    const n = newPidNsInit(h.init);
    expect(sysn(n, 'fork')).toBe(2);
    expect(nspid(proc(n, 2))).toEqual([1001, 2]);
  });

  it('T76 init of A, cur(A) 2, set_tid [10] -> 10 (root automatic); then fork -> 2 (set_tid keeps the cursor)', () => {
    const h = boot({ cur: 1000 });
    const n = newPidNsInit(h.init);
    expect(clone3SetTid(n, [10])).toBe(10);
    expect(nspid(proc(n, 10))).toEqual([1001, 10]);
    expect(sysn(n, 'fork')).toBe(2);
  });
});
