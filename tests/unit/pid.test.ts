import { describe, it, expect } from 'vitest';
import {
  Pid,
  PidType,
  allocPid,
  allocPidWithPids,
  attachPid,
  checkPidInvariants,
  clonePidsToLevels,
  detachPid,
  disablePidAllocation,
  findPidNs,
  freePid,
  pidNamespaceNumbers,
  pidNr,
  pidNrNs,
  pidTask,
  pidVnr,
  type AllocPidOptions,
} from '../../kernel/pid.js';
import {
  PidNamespace,
  createPidNamespace,
  createRootPidNamespace,
  setNsLastPid,
  nsLastPid,
  initUserNs,
  type UserNsRef,
} from '../../kernel/pid_namespace.js';
import type { Task } from '../../kernel/sched/task.js';
import { Errno } from '../../kernel/uapi/errno.js';

const PRIV: AllocPidOptions = { capable: () => true };
const UNPRIV: AllocPidOptions = { capable: () => false };
const NEW_ORDER: AllocPidOptions = { capable: () => true, validateFirst: true };

/** A tiny fake owner: only its identity matters to pid.ts. */
function task(name: string): Task {
  return { comm: name } as unknown as Task;
}

/** Numbers of a Pid from the root inwards (NSpid as seen from the root). */
function nspid(pid: Pid | number): number[] | number {
  return typeof pid === 'number' ? pid : pid.numbers.map((u) => u.nr);
}

/** allocPid and attach a fresh task as its TID user, like a successful fork. */
function fork(ns: PidNamespace, setTid: number[] = [], opts: AllocPidOptions = PRIV): Pid | number {
  const pid = allocPid(ns, setTid, opts);
  if (typeof pid !== 'number') attachPid(pid, PidType.PID, task('child'));
  return pid;
}

function mustFork(ns: PidNamespace, setTid: number[] = []): Pid {
  const pid = fork(ns, setTid);
  if (typeof pid === 'number') throw new Error(`fork failed: ${pid}`);
  return pid;
}

/** R of the spec: root namespace with PID 1 existing and set as reaper. */
function bootRoot(pidMax = 32768): PidNamespace {
  const r = createRootPidNamespace({ pidMax });
  mustFork(r);
  r.childReaper = task('init');
  return r;
}

/** A child namespace of parent whose init exists (the spec's A / B). */
function nsWithInit(parent: PidNamespace, owner?: UserNsRef): { ns: PidNamespace; init: Pid } {
  const ns = createPidNamespace(parent, { ownerUserNs: owner }) as PidNamespace;
  const init = mustFork(ns);
  ns.childReaper = task('ns-init');
  return { ns, init };
}

/** Numbers reserved or published anywhere on the chain must be exactly the live Pids. */
function expectClean(...nss: PidNamespace[]): void {
  expect(checkPidInvariants(nss)).toEqual([]);
}

describe('automatic allocation (spec 9.4)', () => {
  it('T67: cur=32768, 300..309 used, 310 free -> 310', () => {
    const r = bootRoot();
    for (let nr = 300; nr <= 309; nr++) mustFork(r, [nr]);
    setNsLastPid(r, 32767, true);
    expect(nspid(fork(r))).toEqual([310]);
    expectClean(r);
  });

  it('T68: cur=32768, 300 free -> 300', () => {
    const r = bootRoot();
    setNsLastPid(r, 32767, true);
    expect(nspid(fork(r))).toEqual([300]);
  });

  it('T69: all of 300..32767 used, 2..299 free, cur=32768 -> EAGAIN, nothing left reserved', () => {
    const r = bootRoot();
    setNsLastPid(r, 299, true);
    for (let nr = 300; nr < 32768; nr++) if ((fork(r) as Pid).innerNr !== nr) throw new Error(`expected ${nr}`);
    expect(nsLastPid(r)).toBe(32767);
    expect(fork(r)).toBe(-Errno.EAGAIN);
    expect(findPidNs(2, r)).toBeNull();
    expect(r.idr.reserved).toBe(0);
    expect(r.pidAllocated).toBe(1 + 32468);
  });

  it('T70: ns_last_pid 4999 -> 5000; T71: ns_last_pid 99 -> 100', () => {
    const r = bootRoot();
    setNsLastPid(r, 4999, true);
    expect(nspid(fork(r))).toEqual([5000]);
    setNsLastPid(r, 99, true);
    expect(nspid(fork(r))).toEqual([100]);
  });

  it('T74/T75: CLONE_NEWPID child is 1 inside and the next root number outside; the new cursor is 2', () => {
    const r = bootRoot();
    const parent = mustFork(r);
    setNsLastPid(r, 999, true);
    const a = createPidNamespace(r) as PidNamespace;
    const init = mustFork(a);
    expect(nspid(init)).toEqual([1000, 1]);
    expect(pidNrNs(init, a)).toBe(1);
    expect(pidNrNs(init, r)).toBe(1000);
    expect(pidNrNs(parent, a)).toBe(0); // getppid 0 inside
    expect(a.idr.getCursor()).toBe(2);
    a.childReaper = task('a-init');
    expect(nspid(fork(a))).toEqual([1001, 2]);
    expectClean(r, a);
  });

  it('T76: set_tid=[10] in A does not move A cursor: the next fork gets 2', () => {
    const r = bootRoot();
    const { ns: a } = nsWithInit(r);
    expect(a.idr.getCursor()).toBe(2);
    const p = fork(a, [10]) as Pid;
    expect(pidNrNs(p, a)).toBe(10);
    expect(pidNrNs(p, r)).toBe(3); // root automatic: 1 init, 2 A init, 3
    expect(pidNrNs(fork(a) as Pid, a)).toBe(2);
  });

  it('T51: a clone that fails after allocation still advanced the cursor (1000 freed, next is 1001)', () => {
    const r = bootRoot();
    setNsLastPid(r, 999, true);
    const p = allocPid(r, [], PRIV) as Pid;
    expect(pidNrNs(p, r)).toBe(1000);
    freePid(p);
    expect(findPidNs(1000, r)).toBeNull();
    expect(nspid(fork(r))).toEqual([1001]);
    expectClean(r);
  });
});

describe('set_tid (spec 9.5)', () => {
  it('T77/T78: [0] and [-1] -> EINVAL; T79: [-1, 0] at level 0 -> EINVAL (size 2 > 1)', () => {
    const r = bootRoot();
    expect(fork(r, [0])).toBe(-Errno.EINVAL);
    expect(fork(r, [-1])).toBe(-Errno.EINVAL);
    expect(fork(r, [-1, 0])).toBe(-Errno.EINVAL);
  });

  it('T80: [1] -> EEXIST; T81: [32768] -> EINVAL; T82: [32767] -> 32767; T83: [F] -> F', () => {
    const r = bootRoot();
    expect(fork(r, [1])).toBe(-Errno.EEXIST);
    expect(fork(r, [32768])).toBe(-Errno.EINVAL);
    expect(nspid(fork(r, [32767]))).toEqual([32767]);
    expect(nspid(fork(r, [4242]))).toEqual([4242]);
    expectClean(r);
  });

  it('T84: NEWPID [F != 1] -> EINVAL; T86: NEWPID [32768] -> EINVAL (new pid_max 4194304: the no-init rule)', () => {
    const r = bootRoot();
    expect(fork(createPidNamespace(r) as PidNamespace, [4242])).toBe(-Errno.EINVAL);
    expect(fork(createPidNamespace(r) as PidNamespace, [32768])).toBe(-Errno.EINVAL);
    expect(r.idr.reserved).toBe(0);
  });

  it('T85: NEWPID [1] -> 1 inside, automatic in R; T87: NEWPID [1, F] -> NSpid "F 1"', () => {
    const r = bootRoot();
    expect(nspid(fork(createPidNamespace(r) as PidNamespace, [1]))).toEqual([2, 1]);
    expect(nspid(fork(createPidNamespace(r) as PidNamespace, [1, 777]))).toEqual([777, 1]);
    expectClean(r);
  });

  it('NEWPID [1] leaves the new cursor at 0: ns_last_pid -1 inside, next fork 2 (as on 6.18)', () => {
    const r = bootRoot();
    const a = createPidNamespace(r) as PidNamespace;
    expect(nspid(fork(a, [1]))).toEqual([2, 1]);
    expect(nsLastPid(a)).toBe(-1);
    a.childReaper = task('a-init');
    expect(nspid(fork(a))).toEqual([3, 2]);
  });

  it('T88: NEWPID [1, U] -> EEXIST and the inner 1 is released', () => {
    const r = bootRoot();
    const a = createPidNamespace(r) as PidNamespace;
    expect(fork(a, [1, 1])).toBe(-Errno.EEXIST);
    expect(a.idr.isTaken(1)).toBe(false);
    expect(a.idr.getCursor()).toBe(0);
    expectClean(r, a);
  });

  it('T89: 31 entries of 0xffffffff (-1) at level 0 -> EINVAL', () => {
    expect(fork(bootRoot(), new Array<number>(31).fill(-1))).toBe(-Errno.EINVAL);
  });

  it('T90: unprivileged [F] -> EPERM; T91: only CAP_CHECKPOINT_RESTORE (capable = true) -> F', () => {
    const r = bootRoot();
    expect(fork(r, [4242], UNPRIV)).toBe(-Errno.EPERM);
    expect(nspid(fork(r, [4242], { capable: () => true }))).toEqual([4242]);
  });

  it('T92: after unshare, no child yet: [F] -> EINVAL; T93: with N = 1 in A, [2] -> 2', () => {
    const r = bootRoot();
    const a = createPidNamespace(r) as PidNamespace;
    expect(fork(a, [4242])).toBe(-Errno.EINVAL);
    const n = mustFork(a);
    a.childReaper = task('N');
    expect(pidNrNs(n, a)).toBe(1);
    expect(pidNrNs(fork(a, [2]) as Pid, a)).toBe(2);
  });

  it('T94: [1, -1, F] -> EINVAL; T95: size 4 at level 2 -> EINVAL; T96: [1, 42, F] -> "F 42 1"', () => {
    const r = bootRoot();
    const { ns: a } = nsWithInit(r);
    expect(fork(createPidNamespace(a) as PidNamespace, [1, -1, 4242])).toBe(-Errno.EINVAL);
    expect(fork(createPidNamespace(a) as PidNamespace, [1, 42, 4242, 5])).toBe(-Errno.EINVAL);
    const b = createPidNamespace(a) as PidNamespace;
    expect(nspid(fork(b, [1, 42, 4242]))).toEqual([4242, 42, 1]);
    expectClean(r, a, b);
  });

  it('T97: in A, [U, -1] -> EEXIST (baseline), EINVAL with allocPidValidateFirst', () => {
    const r = bootRoot();
    const { ns: a } = nsWithInit(r);
    expect(fork(a, [1, -1])).toBe(-Errno.EEXIST);
    expect(fork(a, [1, -1], NEW_ORDER)).toBe(-Errno.EINVAL);
    expectClean(r, a);
  });

  it('spec 4.5: EPERM at an outer level comes before EEXIST at an inner one only with allocPidValidateFirst', () => {
    const r = bootRoot();
    const ua: UserNsRef = { parent: initUserNs };
    const { ns: a } = nsWithInit(r, ua);
    const inUa: AllocPidOptions = { capable: (ns) => ns.ownerUserNs === ua };
    expect(fork(a, [1, 7000], inUa)).toBe(-Errno.EEXIST);
    expect(fork(a, [1, 7000], { ...inUa, validateFirst: true })).toBe(-Errno.EPERM);
  });

  it('spec 4.5: allocPidValidateFirst checks no-init after allocating: [F] in a new ns -> EINVAL, F freed', () => {
    const r = bootRoot();
    const a = createPidNamespace(r) as PidNamespace;
    expect(fork(a, [42], NEW_ORDER)).toBe(-Errno.EINVAL);
    expect(a.idr.isTaken(42)).toBe(false);
    expect(nspid(fork(a, [], NEW_ORDER))).toEqual([2, 1]);
    expectClean(r, a);
  });

  it('each level is checked against its own pid_max: an outer entry >= the parent pid_max -> EINVAL', () => {
    const r = bootRoot(1000);
    const { ns: a } = nsWithInit(r);
    expect(a.pidMax).toBe(4194304);
    expect(fork(a, [5000, 1000])).toBe(-Errno.EINVAL);
    expect(a.idr.isTaken(5000)).toBe(false);
    expect(nspid(fork(a, [5000, 999]))).toEqual([999, 5000]);
  });

  it('T98: caps only in A owner UA: [F] -> F; T99: [F, G] -> EPERM, F released', () => {
    const r = bootRoot();
    const ua: UserNsRef = { parent: initUserNs };
    const { ns: a } = nsWithInit(r, ua);
    const inUa: AllocPidOptions = { capable: (ns) => ns.ownerUserNs === ua };
    expect(pidNrNs(fork(a, [50], inUa) as Pid, a)).toBe(50);
    expect(fork(a, [60, 7000], inUa)).toBe(-Errno.EPERM);
    expect(a.idr.isTaken(60)).toBe(false);
    expectClean(r, a);
  });

  it('T101: at level 32, 32 explicit numbers -> success, level 0 automatic', () => {
    let ns = bootRoot();
    const all = [ns];
    for (let i = 0; i < 32; i++) {
      ns = nsWithInit(ns).ns;
      all.push(ns);
    }
    const setTid = Array.from({ length: 32 }, (_, k) => 500 + k); // setTid[k] is level 32 - k
    const pid = fork(ns, setTid) as Pid;
    expect(pid.level).toBe(32);
    expect(pidNrNs(pid, all[32]!)).toBe(500);
    expect(pidNrNs(pid, all[1]!)).toBe(531);
    expect(pidNrNs(pid, all[0]!)).toBe(34); // root: 1 + 32 inits, then this one
    expectClean(...all);
  });

  it('T122: a group leader number stays while a member uses it as PGID -> EEXIST until the member leaves', () => {
    const r = bootRoot();
    const leader = task('L');
    const member = task('M');
    const lp = allocPid(r, [2000], PRIV) as Pid;
    attachPid(lp, PidType.PID, leader);
    attachPid(lp, PidType.TGID, leader);
    attachPid(lp, PidType.PGID, leader);
    attachPid(lp, PidType.PGID, member);
    expect(detachPid(lp, PidType.PID, leader)).toBe(false);
    expect(detachPid(lp, PidType.TGID, leader)).toBe(false);
    expect(detachPid(lp, PidType.PGID, leader)).toBe(false);
    expect(fork(r, [2000])).toBe(-Errno.EEXIST);
    expect(pidTask(lp, PidType.PGID)).toBe(member);
    expect(detachPid(lp, PidType.PGID, member)).toBe(true);
    expect(lp.freed).toBe(true);
    expect(nspid(fork(r, [2000]))).toEqual([2000]);
    expectClean(r);
  });
});

describe('namespace life (spec 4.4, 9.6)', () => {
  it('T106/T108: the first process of a namespace released -> the namespace stops accepting: ENOMEM', () => {
    const r = bootRoot();
    const a = createPidNamespace(r) as PidNamespace;
    const first = allocPid(a, [], PRIV) as Pid;
    freePid(first); // fork failed after allocation (e.g. pidfd EFAULT)
    expect(a.accepting).toBe(false);
    expect(fork(a)).toBe(-Errno.ENOMEM);
    expect(r.idr.reserved).toBe(0);
    expect(a.idr.reserved).toBe(0);
    expectClean(r, a);
  });

  it('T106: after the namespace init exits (disablePidAllocation) every fork into it -> ENOMEM', () => {
    const r = bootRoot();
    const { ns: a } = nsWithInit(r);
    disablePidAllocation(a);
    expect(fork(a)).toBe(-Errno.ENOMEM);
    expect(fork(a, [5])).toBe(-Errno.ENOMEM);
    expectClean(r, a);
  });

  it('T107: root exhausted on the first fork into a new namespace -> EAGAIN; the retry is 1 there', () => {
    const r = bootRoot(400);
    setNsLastPid(r, 299, true);
    const fill: Pid[] = [];
    for (let nr = 300; nr < 400; nr++) fill.push(mustFork(r));
    const a = createPidNamespace(r) as PidNamespace;
    expect(fork(a)).toBe(-Errno.EAGAIN);
    expect(a.idr.getCursor()).toBe(0);
    expect(a.accepting).toBe(true);
    detachPid(fill[50]!, PidType.PID, pidTask(fill[50]!, PidType.PID)!);
    expect(nspid(fork(a))).toEqual([350, 1]);
    expectClean(r, a);
  });

  it('freeing down to 2 and 1 in a dying namespace wakes its reaper', () => {
    const r = bootRoot();
    const { ns: a } = nsWithInit(r);
    const x = mustFork(a);
    const y = mustFork(a);
    disablePidAllocation(a);
    const woken: number[] = [];
    const wake = (ns: PidNamespace): void => void woken.push(ns.pidAllocated);
    freePid(x, wake);
    freePid(y, wake);
    expect(woken).toEqual([2, 1]);
    expect(() => freePid(y)).toThrow();
  });
});

describe('visibility (spec 4.9)', () => {
  it('pidNrNs is 0 outside the chain; pidVnr uses the viewer namespace; findPidNs sees published only', () => {
    const r = bootRoot();
    const { ns: a, init: aInit } = nsWithInit(r);
    const { ns: s } = nsWithInit(r);
    const p = mustFork(a);
    expect(pidNrNs(p, s)).toBe(0);
    expect(pidNrNs(null, r)).toBe(0);
    expect(pidNrNs(p, r)).toBe(4);
    expect(pidVnr(p, aInit)).toBe(2);
    expect(findPidNs(2, a)).toBe(p);
    expect(findPidNs(4, r)).toBe(p);
    expect(findPidNs(3, a)).toBeNull();
    expect(pidNr(p)).toBe(4);
    expect(p.numbers.map((u) => u.nr)).toEqual([4, 2]);
    expect(p.numbers[1]!.ns).toBe(a);
    expect(p.level).toBe(1);
  });
});

describe('clone_with_pids v11 allocation (spec 5.2 step 10, 9.8)', () => {
  it('clonePidsToLevels: outermost first into per-level slots; T136: nr_pids 2 at level 0 -> EINVAL', () => {
    expect(clonePidsToLevels([0, 77, 99], 2)).toEqual([0, 77, 99, 0]);
    expect(clonePidsToLevels([77], 1)).toEqual([0, 77, 0]);
    expect(clonePidsToLevels([1, 2], 0)).toBe(-Errno.EINVAL);
  });

  it('T139/T140: in A, {77} and {0, 77} -> 77 in A, automatic in R; T141: {99, 77} -> R 99, A 77', () => {
    const r = bootRoot();
    const { ns: a } = nsWithInit(r);
    expect(nspid(allocPidWithPids(a, clonePidsToLevels([77], 1) as number[]))).toEqual([3, 77]);
    expect(nspid(allocPidWithPids(a, clonePidsToLevels([0, 78], 1) as number[]))).toEqual([4, 78]);
    expect(nspid(allocPidWithPids(a, clonePidsToLevels([99, 79], 1) as number[]))).toEqual([99, 79]);
  });

  it('T142: 77 used in A -> EBUSY; exhaustion -> EBUSY; rollback leaves nothing reserved', () => {
    const r = bootRoot(400);
    const { ns: a } = nsWithInit(r);
    mustFork(a, [77]);
    expect(allocPidWithPids(a, [0, 77])).toBe(-Errno.EBUSY);
    setNsLastPid(r, 399, true);
    for (let nr = 300; nr < 400; nr++) mustFork(r);
    expect(allocPidWithPids(a, [0, 0])).toBe(-Errno.EBUSY);
    expectClean(r, a);
  });

  it('T143: from R, {F} with CLONE_NEWPID -> 1 in the new ns, F in R; T144: {32768} -> EINVAL', () => {
    const r = bootRoot();
    const n = createPidNamespace(r) as PidNamespace;
    expect(nspid(allocPidWithPids(n, clonePidsToLevels([4242], 0) as number[]))).toEqual([4242, 1]);
    expect(allocPidWithPids(r, [32768])).toBe(-Errno.EINVAL);
    expect(allocPidWithPids(r, [-5])).toBe(-Errno.EINVAL);
  });

  it('T < 300 while ns_last_pid >= 300: EINVAL only with reservedRule (uncertain, default off)', () => {
    const r = bootRoot();
    setNsLastPid(r, 500, true);
    expect(allocPidWithPids(r, [100], { reservedRule: true })).toBe(-Errno.EINVAL);
    expect(nspid(allocPidWithPids(r, [100]))).toEqual([100]);
  });
});

describe('accounting and invariants', () => {
  it('pidNamespaceNumbers lists numbers with their Pid; checkPidInvariants reports leaks', () => {
    const r = bootRoot();
    const p = allocPid(r, [], PRIV) as Pid; // published, no user yet
    expect(pidNamespaceNumbers(r).map((e) => [e.nr, e.pid !== null])).toEqual([[1, true], [2, true]]);
    expect(checkPidInvariants([r])).toEqual(['level 0 nr 2: pid has no user task']);
    r.idr.allocExact(9); // a number reserved and never published
    expect(checkPidInvariants([r])).toEqual([
      'level 0 nr 2: pid has no user task',
      'level 0 nr 9: reserved, never published or freed',
    ]);
    r.idr.remove(9);
    freePid(p);
    expectClean(r);
  });

  it('allocates and frees every pid of a namespace with pid_max 4194304', () => {
    const r = bootRoot(4194304);
    let last = 1;
    for (let p = allocPid(r, [], PRIV); typeof p !== 'number'; p = allocPid(r, [], PRIV)) {
      if (p.innerNr !== last + 1) throw new Error(`expected ${last + 1}, got ${p.innerNr}`);
      last = p.innerNr;
    }
    expect(last).toBe(4194303); // 1 is init, 2..4194303 allocated
    expect(r.pidAllocated).toBe(4194303);
    expect(allocPid(r, [], PRIV)).toBe(-Errno.EAGAIN);
    for (let nr = 2; nr <= last; nr++) freePid(findPidNs(nr, r)!);
    expect(r.pidAllocated).toBe(1);
    expect(r.accepting).toBe(true);
    expect(r.idr.published).toBe(1);
    expect(nspid(fork(r))).toEqual([300]);
  }, 10000);
});
