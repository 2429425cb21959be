import { describe, it, expect } from 'vitest';
import {
  MAX_PID_NS_LEVEL,
  PID_MAX_LIMIT,
  PidNamespace,
  copyPidNs,
  createPidNamespace,
  createRootPidNamespace,
  isAncestorOrSelf,
  inUserNs,
  initUserNs,
  nsChain,
  nsLastPid,
  pidnsInstallCheck,
  setNsLastPid,
  setPidMax,
  type UserNsRef,
} from '../../kernel/pid_namespace.js';
import { Errno } from '../../kernel/uapi/errno.js';

/** A child namespace, failing the test on an errno. */
function child(parent: PidNamespace): PidNamespace {
  const ns = createPidNamespace(parent);
  if (typeof ns === 'number') throw new Error(`createPidNamespace: ${ns}`);
  return ns;
}

describe('root pid namespace', () => {
  it('defaults: level 0, pid_max 32768 (this machine: /proc/sys/kernel/pid_max = 32768), accepting, cursor 0', () => {
    const r = createRootPidNamespace();
    expect(r.level).toBe(0);
    expect(r.parent).toBeNull();
    expect(r.pidMax).toBe(32768);
    expect(r.accepting).toBe(true);
    expect(r.pidAllocated).toBe(0);
    expect(r.childReaper).toBeNull();
    expect(r.ownerUserNs).toBe(initUserNs);
    expect(nsLastPid(r)).toBe(-1);
  });

  it('pid_max is configurable within [301, 4194304]; outside is a configuration error', () => {
    expect(createRootPidNamespace({ pidMax: 4194304 }).pidMax).toBe(4194304);
    expect(() => createRootPidNamespace({ pidMax: 300 })).toThrow();
    expect(() => createRootPidNamespace({ pidMax: 4194305 })).toThrow();
  });
});

describe('createPidNamespace (spec 4.6)', () => {
  it('a child is one level down, accepting, with no reaper and cursor 0', () => {
    const r = createRootPidNamespace();
    const a = child(r);
    expect(a.level).toBe(1);
    expect(a.parent).toBe(r);
    expect(a.accepting).toBe(true);
    expect(a.childReaper).toBeNull();
    expect(a.idr.getCursor()).toBe(0);
    expect(a.ownerUserNs).toBe(r.ownerUserNs);
  });

  it('a new namespace starts at pid_max 4194304 whatever its parent has (6.18: unshare -pf cat pid_max)', () => {
    const r = createRootPidNamespace();
    const a = child(r);
    expect(a.pidMax).toBe(PID_MAX_LIMIT);
    expect(setPidMax(a, 1000)).toBe(0);
    const b = child(a);
    expect(b.pidMax).toBe(4194304);
    expect(a.pidMax).toBe(1000);
    expect(r.pidMax).toBe(32768);
  });

  it('with perNsPidMax off every namespace uses the root value and a write anywhere sets it', () => {
    const r = createRootPidNamespace({ perNsPidMax: false });
    const a = child(r);
    expect(a.pidMax).toBe(32768);
    expect(setPidMax(a, 5000)).toBe(0);
    expect(r.pidMax).toBe(5000);
  });

  it('T100: level 32 is allowed, a child of level 32 gives ENOSPC', () => {
    let ns = createRootPidNamespace();
    for (let i = 0; i < MAX_PID_NS_LEVEL; i++) ns = child(ns);
    expect(ns.level).toBe(32);
    expect(createPidNamespace(ns)).toBe(-Errno.ENOSPC);
  });

  it('owner not below the parent owner -> EINVAL, checked before the per-user limit (ENOSPC)', () => {
    const other: UserNsRef = { parent: null };
    const r = createRootPidNamespace();
    expect(createPidNamespace(r, { ownerUserNs: other, chargeUcount: () => false })).toBe(-Errno.EINVAL);
    expect(createPidNamespace(r, { chargeUcount: () => false })).toBe(-Errno.ENOSPC);
    const ua: UserNsRef = { parent: initUserNs };
    const a = createPidNamespace(r, { ownerUserNs: ua });
    expect((a as PidNamespace).ownerUserNs).toBe(ua);
    expect(inUserNs(initUserNs, ua)).toBe(true);
    expect(inUserNs(ua, initUserNs)).toBe(false);
  });
});

describe('copyPidNs and setns checks (spec 4.6 step 2, 4.7)', () => {
  it('without CLONE_NEWPID the child goes to pid_ns_for_children', () => {
    const r = createRootPidNamespace();
    const a = child(r);
    expect(copyPidNs(false, r, a)).toBe(a);
  });

  it('T104: a second CLONE_NEWPID before the first child exists -> EINVAL', () => {
    const r = createRootPidNamespace();
    const forChildren = copyPidNs(true, r, r) as PidNamespace;
    expect(forChildren.level).toBe(1);
    expect(copyPidNs(true, r, forChildren)).toBe(-Errno.EINVAL);
  });

  it('setns: EPERM without capability first, then EINVAL unless the target is active or below it', () => {
    const r = createRootPidNamespace();
    const a = child(r);
    const b = child(a);
    const sibling = child(r);
    expect(pidnsInstallCheck(a, r, false)).toBe(-Errno.EPERM);
    expect(pidnsInstallCheck(a, r, true)).toBe(-Errno.EINVAL);
    expect(pidnsInstallCheck(a, sibling, true)).toBe(-Errno.EINVAL);
    expect(pidnsInstallCheck(a, a, true)).toBe(0);
    expect(pidnsInstallCheck(a, b, true)).toBe(0);
  });

  it('isAncestorOrSelf and nsChain follow the parents', () => {
    const r = createRootPidNamespace();
    const a = child(r);
    const b = child(a);
    expect(isAncestorOrSelf(r, b)).toBe(true);
    expect(isAncestorOrSelf(b, b)).toBe(true);
    expect(isAncestorOrSelf(b, a)).toBe(false);
    expect(isAncestorOrSelf(child(r), b)).toBe(false);
    expect(nsChain(b)).toEqual([r, a, b]);
  });
});

describe('ns_last_pid and pid_max writes (spec 4.8)', () => {
  it('T70/T71: a write sets the cursor to N + 1 and reads back N', () => {
    const r = createRootPidNamespace();
    expect(setNsLastPid(r, 4999, true)).toBe(0);
    expect(r.idr.getCursor()).toBe(5000);
    expect(nsLastPid(r)).toBe(4999);
    expect(setNsLastPid(r, 99, true)).toBe(0);
    expect(nsLastPid(r)).toBe(99);
  });

  it('T72: unprivileged write -> EPERM (checked before the range)', () => {
    const r = createRootPidNamespace();
    expect(setNsLastPid(r, 100, false)).toBe(-Errno.EPERM);
    expect(setNsLastPid(r, -1, false)).toBe(-Errno.EPERM);
    expect(nsLastPid(r)).toBe(-1);
  });

  it('T73: 32769 and -1 -> EINVAL; 0 and 32768 (= pid_max) are accepted, as on 6.18', () => {
    const r = createRootPidNamespace();
    expect(setNsLastPid(r, 32769, true)).toBe(-Errno.EINVAL);
    expect(setNsLastPid(r, -1, true)).toBe(-Errno.EINVAL);
    expect(setNsLastPid(r, 0, true)).toBe(0);
    expect(nsLastPid(r)).toBe(0);
    expect(setNsLastPid(r, 32768, true)).toBe(0);
    expect(nsLastPid(r)).toBe(32768);
  });

  it('the range is the namespace own pid_max', () => {
    const a = child(createRootPidNamespace());
    expect(setNsLastPid(a, 4194304, true)).toBe(0);
    expect(setNsLastPid(a, 4194305, true)).toBe(-Errno.EINVAL);
  });

  it('pid_max accepts [301, 4194304] (6.18 here: 300 and 4194305 give EINVAL)', () => {
    const r = createRootPidNamespace();
    expect(setPidMax(r, 300)).toBe(-Errno.EINVAL);
    expect(setPidMax(r, 4194305)).toBe(-Errno.EINVAL);
    expect(setPidMax(r, 301)).toBe(0);
    expect(r.pidMax).toBe(301);
    expect(setPidMax(r, 4194304)).toBe(0);
    expect(r.pidMax).toBe(4194304);
  });
});
