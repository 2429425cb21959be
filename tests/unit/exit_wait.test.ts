/**
 * unshare(CLONE_NEWPID), the death of a namespace init, orphans, wait4/waitid and the clone tid outputs, through
 * real syscalls (spec 4.7, 4.10, 7; test vectors 9.6 T102-T122, T121 excepted: it needs concurrent threads and
 * futex). R has cur = 1000 unless a vector needs otherwise.
 */
import { describe, it, expect, beforeEach } from 'vitest';
import { Errno } from '../../kernel/uapi/errno.js';
import {
  CLONE_CHILD_SETTID, CLONE_NEWPID, CLONE_PARENT_SETTID, CLONE_PIDFD, CLONE_SIGHAND, CLONE_THREAD, CLONE_VM,
} from '../../kernel/uapi/sched.js';
import { CLD_EXITED, CLD_KILLED, P_ALL, P_PID, WEXITED, WNOHANG, __WALL } from '../../kernel/uapi/wait.js';
import { findPidNs, nsOfPid } from '../../kernel/pid.js';
import {
  BA, OUT, OUT2, SIGCHLD, SIGKILL, UNMAPPED, boot, clone3, clone3SetTid, clone3n, exitGroup, expectFail,
  expectNoLeak, forkChild, i32s, newPidNsInit, nspid, peek, peek32, poke, proc, setCur, snapshot, sys, sysn, wait4,
  type Harness,
} from '../helpers/clone_helpers.js';
import type { Task } from '../../kernel/sched/task.js';

let h: Harness;
beforeEach(() => {
  h = boot({ cur: 1000 });
});

/** The caller of T102-T108: process 1234 in R after unshare(CLONE_NEWPID). */
function unshared(): Task {
  expect(clone3SetTid(h.init, [1234])).toBe(1234);
  const c = proc(h.init, 1234);
  expect(sys(c, 'unshare', CLONE_NEWPID)).toBe(0);
  return c;
}

/** waitid(which, id, OUT, options, 0) with OUT pre-filled with 0xff; the result and the six siginfo fields. */
function waitid(task: Task, which: number, id: number, options: number) {
  poke(task, OUT, new Uint8Array(128).fill(0xff));
  const r = sys(task, 'waitid', which, id, OUT, options, 0);
  const v = new DataView(peek(task, OUT, 28).buffer);
  const at = (off: number) => v.getInt32(off, true);
  return { r, signo: at(0), errno: at(4), code: at(8), pid: at(16), uid: at(20), status: at(24) };
}

describe('9.6 unshare(CLONE_NEWPID) (spec 4.7)', () => {
  it('T102 unshare(CLONE_NEWPID) -> 0; getpid still 1234', () => {
    const c = unshared();
    expect(sysn(c, 'getpid')).toBe(1234);
  });

  it("T103 after T102 fork returns the root number; the child's getpid 1, getppid 0", () => {
    const c = unshared();
    expect(sysn(c, 'fork')).toBe(1000);
    const n = proc(c, 1000);
    expect([sysn(n, 'getpid'), sysn(n, 'getppid')]).toEqual([1, 0]);
    expect(nsOfPid(n.pid).childReaper).toBe(n);
  });

  it('T104 a second unshare(CLONE_NEWPID) before any child -> EINVAL', () => {
    const c = unshared();
    expectFail(h, c, () => sys(c, 'unshare', CLONE_NEWPID), Errno.EINVAL);
  });

  it('T105 after T102 clone3 THREAD|SIGHAND|VM (exit_signal 0) -> EINVAL', () => {
    const c = unshared();
    expectFail(h, c, () => clone3(c, { flags: CLONE_THREAD | CLONE_SIGHAND | CLONE_VM }), Errno.EINVAL);
  });

  it("T106 after the namespace's init exited and was reaped, fork -> ENOMEM", () => {
    const c = unshared();
    const n = proc(c, sysn(c, 'fork'));
    exitGroup(n, 0);
    expect(wait4(c, -1).r).toBe(1000);
    expectFail(h, c, () => sys(c, 'fork'), Errno.ENOMEM);
  });

  it('T107 the first fork fails with EAGAIN (R full), the retry after space is freed is PID 1 of the new namespace', () => {
    // pid_max 400 (smallest useful) instead of 32768 keeps the setup small: 300..399 are filled.
    h = boot({ pidMax: 400 });
    const c = forkChild(h.init);
    expect(sys(c, 'unshare', CLONE_NEWPID)).toBe(0);
    setCur(h.kernel.rootPidNs, 300);
    for (let nr = 300; nr < 400; nr++) expect(clone3(h.init, { flags: CLONE_VM, exit_signal: SIGCHLD })).toBe(nr);
    expectFail(h, c, () => sys(c, 'fork'), Errno.EAGAIN);
    exitGroup(proc(h.init, 350), 0);
    expect(wait4(h.init, 350).r).toBe(350);
    const nr = sysn(c, 'fork');
    expect(nr).toBe(350);
    expect(nspid(proc(c, nr))).toEqual([350, 1]);
  });

  it('T108 first clone3 into the new namespace with a bad pidfd -> EFAULT; every later fork -> ENOMEM', () => {
    const c = unshared();
    expectFail(h, c, () => clone3(c, { ...BA, flags: CLONE_PIDFD, pidfd: UNMAPPED }), Errno.EFAULT);
    expectFail(h, c, () => sys(c, 'fork'), Errno.ENOMEM);
    expectFail(h, c, () => clone3(c, BA), Errno.ENOMEM);
  });
});

describe('9.6 namespace init death and orphans (spec 4.10)', () => {
  it('T109 init of A exits: X and Y are killed by SIGKILL and reaped, the outer parent reaps init with status 0', () => {
    const n = newPidNsInit(h.init);
    const x = forkChild(n);
    const y = forkChild(n);
    expect([nspid(n), nspid(x), nspid(y)]).toEqual([[1000, 1], [1001, 2], [1002, 3]]);
    exitGroup(n, 0);
    expect([x.exitCode, y.exitCode]).toEqual([SIGKILL, SIGKILL]);
    expect([x.state, y.state]).toEqual(['dead', 'dead']);
    const snap = { ...snapshot(h), tasks: 1 };
    const w = wait4(h.init, -1);
    expect([w.r, w.status]).toEqual([1000, 0x0000]);
    expect(findPidNs(1001, h.kernel.rootPidNs)).toBeNull();
    expect(findPidNs(1002, h.kernel.rootPidNs)).toBeNull();
    expectNoLeak(h, snap);
  });

  // Spec 4.10 steps 3-4 beyond T109's direct children; checked natively on 6.18 (1002..1005 all ESRCH after the
  // reap). Bug: exit.ts findNewReaper() returns the dying process itself once ns.childReaper has exited, so the
  // children of the processes zapPidNsProcesses() kills are never handed to the dying init, and
  // zapPidNsProcesses() releases only init's direct zombie children: X2 and B's init stay zombies under a released
  // parent and keep 1002 and 1003 in R.
  it('T109 (spec 4.10) init of A exits: its grandchild and a nested namespace init are killed and released too', () => {
    const n = newPidNsInit(h.init);
    const x = forkChild(n);
    const x2 = forkChild(x);
    const b = newPidNsInit(x);
    forkChild(b);
    expect([nspid(x2), nspid(b)]).toEqual([[1002, 3], [1003, 4, 1]]);
    exitGroup(n, 0);
    expect(wait4(h.init, -1).r).toBe(1000);
    expect([1001, 1002, 1003, 1004].map((nr) => findPidNs(nr, h.kernel.rootPidNs))).toEqual([null, null, null, null]);
    expect(h.kernel.tasks.size).toBe(1);
  });

  it("T110 P (5) with child C (6) exits: C is reparented to A's init, getppid 1", () => {
    const n = newPidNsInit(h.init);
    setCur(nsOfPid(n.pid), 5);
    const p = forkChild(n);
    const c = forkChild(p);
    expect([sysn(p, 'getpid'), sysn(c, 'getpid'), sysn(c, 'getppid')]).toEqual([5, 6, 5]);
    exitGroup(p, 0);
    expect(sysn(c, 'getppid')).toBe(1);
    expect(c.parent).toBe(n);
  });
});

describe('9.6 wait4 (spec 7.2)', () => {
  it('T111 only child has exit_signal 0: wait4(-1, &s, 0) -> ECHILD', () => {
    expect(clone3n(h.init, { exit_signal: 0 })).toBe(1000);
    const snap = snapshot(h);
    expect(wait4(h.init, -1, 0).r).toBe(-Errno.ECHILD);
    expectNoLeak(h, snap);
  });

  it('T112 same child: wait4(-1, &s, __WALL) returns 1000 after its exit', () => {
    expect(clone3n(h.init, { exit_signal: 0 })).toBe(1000);
    exitGroup(proc(h.init, 1000), 0);
    expect(wait4(h.init, -1, __WALL).r).toBe(1000);
    expect(h.kernel.tasks.size).toBe(1);
  });

  it('T113 child called exit(3): wait4 status 0x0300', () => {
    const c = forkChild(h.init);
    expect(sys(c, 'exit', 3)).toEqual({ kind: 'exit' });
    const w = wait4(h.init, -1);
    expect([w.r, w.status]).toEqual([1000, 0x0300]);
  });

  it('T113 (waitid) si_signo SIGCHLD, si_errno 0, si_code CLD_EXITED, si_pid 1000, si_uid 0, si_status 3', () => {
    const c = forkChild(h.init);
    sys(c, 'exit', 3);
    const w = waitid(h.init, P_PID, 1000, WEXITED);
    expect(w).toEqual({ r: 0, signo: SIGCHLD, errno: 0, code: CLD_EXITED, pid: 1000, uid: 0, status: 3 });
  });

  it('T114 child killed by SIGKILL: wait4 status 0x0009', () => {
    forkChild(h.init);
    expect(sys(h.init, 'kill', 1000, SIGKILL)).toBe(0);
    const w = wait4(h.init, 1000);
    expect([w.r, w.status]).toEqual([1000, 0x0009]);
  });

  it('T114 (waitid) si_code CLD_KILLED, si_status SIGKILL', () => {
    forkChild(h.init);
    sys(h.init, 'kill', 1000, SIGKILL);
    const w = waitid(h.init, P_ALL, 0, WEXITED);
    expect(w).toEqual({ r: 0, signo: SIGCHLD, errno: 0, code: CLD_KILLED, pid: 1000, uid: 0, status: SIGKILL });
  });

  it('T115 running child: wait4(-1, &s, WNOHANG) -> 0, status untouched', () => {
    forkChild(h.init);
    const w = wait4(h.init, -1, WNOHANG);
    expect([w.r, w.status]).toEqual([0, -1]);
  });

  it('T116 wait4(-1, &s, WEXITED) -> EINVAL', () => {
    forkChild(h.init);
    expectFail(h, h.init, () => sys(h.init, 'wait4', -1, OUT, WEXITED, 0), Errno.EINVAL);
  });
});

describe('9.6 waitid (spec 7.3)', () => {
  it('T117 waitid(P_ALL, 0, &i, 0) -> EINVAL', () => {
    forkChild(h.init);
    expectFail(h, h.init, () => sys(h.init, 'waitid', P_ALL, 0, OUT, 0, 0), Errno.EINVAL);
  });

  it('T118 waitid(P_PID, 0, &i, WEXITED) -> EINVAL', () => {
    forkChild(h.init);
    expectFail(h, h.init, () => sys(h.init, 'waitid', P_PID, 0, OUT, WEXITED, 0), Errno.EINVAL);
  });

  it('T119 running child: waitid(P_ALL, 0, &i, WEXITED|WNOHANG) -> 0 with si_signo 0 and si_pid 0', () => {
    forkChild(h.init);
    const w = waitid(h.init, P_ALL, 0, WEXITED | WNOHANG);
    expect(w).toEqual({ r: 0, signo: 0, errno: 0, code: 0, pid: 0, uid: 0, status: 0 });
  });
});

describe('9.6 tid outputs and numbers held by process groups (spec 4.4, 7.4)', () => {
  it('T120 NEWPID|PARENT_SETTID|CHILD_SETTID -> 1000; *parent_tid 1000; *child_tid in the child = 1', () => {
    poke(h.init, OUT, i32s([-1]));
    poke(h.init, OUT2, i32s([-1]));
    const flags = CLONE_NEWPID | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID;
    expect(clone3(h.init, { flags, exit_signal: SIGCHLD, parent_tid: OUT, child_tid: OUT2 })).toBe(1000);
    expect(peek32(h.init, OUT)).toBe(1000);
    expect(peek32(proc(h.init, 1000), OUT2)).toBe(1);
    expect(peek32(h.init, OUT2)).toBe(-1); // the parent's copy of child_tid is untouched
  });

  it.skip('T121 CLONE_CHILD_CLEARTID + futex waiter: needs two threads running concurrently', () => {});

  it('T122 group leader 2000 reaped while member M lives: set_tid [2000] -> EEXIST', () => {
    const l = proc(h.init, clone3SetTid(h.init, [2000]));
    expect(sys(l, 'setpgid', 0, 0)).toBe(0);
    const m = forkChild(l);
    exitGroup(l, 0);
    expect(wait4(h.init, 2000).r).toBe(2000);
    expect(sysn(m, 'getpgrp')).toBe(2000);
    expectFail(h, h.init, () => clone3SetTid(h.init, [2000]), Errno.EEXIST);
  });
});
