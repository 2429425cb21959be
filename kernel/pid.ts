/**
 * Pid and Upid: Linux's `struct pid` / `struct upid` (include/linux/pid.h, kernel/pid.c).
 *
 * A Pid is made in the namespace of a new task and carries one number per level, from the root (numbers[0]) to its
 * own namespace (numbers[level]). Tasks use it as TID, TGID, PGID or SID; the numbers stay allocated while any
 * task uses it for any of those, and are freed when the last user detaches (a pidfd keeps the object, not the
 * numbers). allocPid reserves a number at every level, innermost first, and publishes them only when all levels
 * succeeded; any failure frees what it reserved.
 */
import { Errno } from './uapi/errno.js';
import { RESERVED_PIDS } from './idr.js';
import { nsChain, nsLastPid, type PidNamespace } from './pid_namespace.js';
import type { Task } from './sched/task.js';
import { testBugs } from './test_bugs.js';

/** Uses of a Pid by tasks (Linux enum pid_type). */
export const PidType = { PID: 0, TGID: 1, PGID: 2, SID: 3 } as const;
export type PidType = (typeof PidType)[keyof typeof PidType];
/** Number of PidType values (Linux PIDTYPE_MAX). */
export const PIDTYPE_MAX = 4;

/** One number of a Pid: `nr` as seen inside `ns`. */
export interface Upid {
  readonly nr: number;
  readonly ns: PidNamespace;
}

/** Called by freePid when a namespace whose init is exiting is down to its init (count 1 or 2): wake the reaper. */
export type WakeReaper = (ns: PidNamespace) => void;

export class Pid {
  /** True once freePid released the numbers (the object may live on, e.g. behind a pidfd). */
  freed = false;
  /** tasks[type]: the users of each type, created on first attach (Linux pid->tasks[]). */
  private tasks: Task[][] | null = null;

  /**
   * Made by allocPid. `ns` is the namespace the Pid was made in, `innerNr` its number there (what the task itself
   * sees), `outerNrs[i]` the number at ancestor level i (null at level 0). Kept flat (one object at level 0) so
   * millions of pids stay cheap. Note Linux's pid_nr() is the root number: see pidNr.
   */
  constructor(
    readonly ns: PidNamespace,
    readonly innerNr: number,
    private readonly outerNrs: readonly number[] | null,
  ) {}

  /** Level of the namespace the Pid was made in. */
  get level(): number {
    return this.ns.level;
  }

  /** The number at level i (0..level). */
  nrAt(i: number): number {
    return i === this.ns.level ? this.innerNr : this.outerNrs![i]!;
  }

  /** numbers[i] = {nr, ns} for level i, root first (Linux pid->numbers[]); a fresh array, not for hot paths. */
  get numbers(): Upid[] {
    return nsChain(this.ns).map((ns, i) => ({ nr: this.nrAt(i), ns }));
  }

  /** The users of one type (empty when none). */
  users(type: PidType): readonly Task[] {
    return this.tasks?.[type] ?? [];
  }

  /** Add a user; see attachPid. */
  addUser(type: PidType, task: Task): void {
    this.tasks ??= Array.from({ length: PIDTYPE_MAX }, () => []);
    this.tasks[type]!.push(task);
  }

  /** Remove a user; false when the task was not a user of that type. */
  removeUser(type: PidType, task: Task): boolean {
    const list = this.tasks?.[type];
    const i = list === undefined ? -1 : list.indexOf(task);
    if (i < 0) return false;
    list!.splice(i, 1);
    return true;
  }

  /** True while some task uses the Pid in any role. */
  hasAnyUser(): boolean {
    return this.tasks !== null && this.tasks.some((l) => l.length > 0);
  }
}

/** allocPid options. */
export interface AllocPidOptions {
  /** Does the caller hold CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE in ns.ownerUserNs? Asked per set_tid level. */
  capable: (ns: PidNamespace) => boolean;
  /** Newest mainline order (spec 4.5): validate every set_tid entry first, check "first must be 1" after each level. */
  validateFirst?: boolean;
}

/**
 * A Pid for a new task in namespace `ns` (the caller's pid_ns_for_children or a new namespace). setTid is clone3's
 * set_tid (its length is set_tid_size): setTid[0] is the number in ns, setTid[1] in its parent, ...; levels beyond
 * it get automatic numbers (cyclic, see Idr.allocCyclic). Returns the published Pid (no users yet: attach them) or:
 * -EINVAL  setTid longer than ns.level + 1; an entry < 1 or >= that level's pid_max; an entry != 1 for a namespace
 *          with no child reaper yet;
 * -EPERM   an entry for a level where opts.capable(level's namespace) is false;
 * -EEXIST  an entry already reserved or published; -EAGAIN  no free number for an automatic level;
 * -ENOMEM  ns no longer accepts new pids (its init exited, or its first process was released).
 * Baseline order: per level, inner to outer: range, reaper, capability, then allocate. On failure every reserved
 * number is freed and, if ns never had a pid, its cursor goes back to 0. Entries are pid_t values: the caller turns
 * the user's u32 words into signed numbers and has already applied clone3's set_tid_size <= 32 rule.
 * Linux: kernel/pid.c alloc_pid().
 */
export function allocPid(ns: PidNamespace, setTid: readonly number[], opts: AllocPidOptions): Pid | number {
  if (setTid.length > ns.level + 1) return -Errno.EINVAL;
  if (opts.validateFirst) return allocPidValidateFirst(ns, setTid, opts.capable);
  const chain = nsChain(ns);
  const nrs = new Array<number>(ns.level + 1);
  for (let i = ns.level; i >= 0; i--) {
    const k = ns.level - i;
    const nr = k < setTid.length ? allocSetTid(chain[i]!, setTid[k]!, opts.capable) : allocAuto(chain[i]!);
    if (nr < 0) return rollback(chain, nrs, i + 1, nr);
    nrs[i] = nr;
  }
  return publishPid(chain, nrs);
}

/** One set_tid level in baseline order: EINVAL (range), EINVAL (no reaper), EPERM, then EEXIST. */
function allocSetTid(tmp: PidNamespace, tid: number, capable: (ns: PidNamespace) => boolean): number {
  if (!Number.isInteger(tid) || tid < 1 || tid >= tmp.pidMax) return -Errno.EINVAL;
  if (tid !== 1 && tmp.childReaper === null) return -Errno.EINVAL;
  if (!capable(tmp)) return -Errno.EPERM;
  return tmp.idr.allocExact(tid);
}

/** One automatic level: the next cyclic number below the namespace's pid_max, or -EAGAIN. */
function allocAuto(tmp: PidNamespace): number {
  return tmp.idr.allocCyclic(tmp.pidMax);
}

/**
 * allocPid in the newest mainline order (spec 4.5): first every supplied entry, inner to outer, is checked for
 * range (EINVAL) and capability (EPERM); then levels are allocated inner to outer (EEXIST / EAGAIN) and right after
 * each one a number other than 1 in a namespace without reaper fails with EINVAL (automatic numbers included).
 */
function allocPidValidateFirst(
  ns: PidNamespace,
  setTid: readonly number[],
  capable: (ns: PidNamespace) => boolean,
): Pid | number {
  const chain = nsChain(ns);
  for (let k = 0; k < setTid.length; k++) {
    const tmp = chain[ns.level - k]!;
    const tid = setTid[k]!;
    if (!Number.isInteger(tid) || tid < 1 || tid >= tmp.pidMax) return -Errno.EINVAL;
    if (!capable(tmp)) return -Errno.EPERM;
  }
  const nrs = new Array<number>(ns.level + 1);
  for (let i = ns.level; i >= 0; i--) {
    const k = ns.level - i;
    const nr = k < setTid.length ? chain[i]!.idr.allocExact(setTid[k]!) : allocAuto(chain[i]!);
    if (nr < 0) return rollback(chain, nrs, i + 1, nr);
    nrs[i] = nr;
    if (nr !== 1 && chain[i]!.childReaper === null) return rollback(chain, nrs, i, -Errno.EINVAL);
  }
  return publishPid(chain, nrs);
}

/** clone_with_pids options. */
export interface ClonePidsOptions {
  /** Reject T < 300 while the namespace's last pid is >= 300 (EINVAL). [uncertain for v11] Default off. */
  reservedRule?: boolean;
}

/**
 * The v11 clone_with_pids allocation (spec 5.2 step 10). pidsByLevel[i] is the number wanted at level i (0 or
 * missing = automatic); entries above ns.level are ignored (see clonePidsToLevels). Levels are taken inner to outer.
 * Returns the published Pid or: -EINVAL  T >= pid_max or T < 0, or (reservedRule) T < 300 while ns_last_pid >= 300;
 * -EBUSY  T already taken, or no free number for an automatic level; -ENOMEM  namespace not accepting (this model's
 * namespace rule, newer than 2.6.32). Capability (whole call) is the caller's. Rollback as allocPid.
 * Linux: the v11-v14 clone_with_pids/eclone patches to kernel/pid.c alloc_pid() and set_pidmap().
 */
export function allocPidWithPids(
  ns: PidNamespace,
  pidsByLevel: readonly number[],
  opts: ClonePidsOptions = {},
): Pid | number {
  const chain = nsChain(ns);
  const nrs = new Array<number>(ns.level + 1);
  for (let i = ns.level; i >= 0; i--) {
    const nr = allocClonePid(chain[i]!, pidsByLevel[i] ?? 0, opts);
    if (nr < 0) return rollback(chain, nrs, i + 1, nr);
    nrs[i] = nr;
  }
  return publishPid(chain, nrs);
}

/** One clone_with_pids level: 0 = automatic; EEXIST and EAGAIN are reported as EBUSY. */
function allocClonePid(tmp: PidNamespace, t: number, opts: ClonePidsOptions): number {
  if (t === 0) {
    const nr = allocAuto(tmp);
    return nr === -Errno.EAGAIN ? -Errno.EBUSY : nr;
  }
  if (!Number.isInteger(t) || t >= tmp.pidMax || t < 0) return -Errno.EINVAL;
  if (opts.reservedRule && t < RESERVED_PIDS && nsLastPid(tmp) >= RESERVED_PIDS) return -Errno.EINVAL;
  const nr = tmp.idr.allocExact(t);
  return nr === -Errno.EEXIST ? -Errno.EBUSY : nr;
}

/**
 * Spread v11's outermost-first `pids` (nr_pids entries, pids[nr_pids-1] = the caller's own namespace) over a
 * per-level array of callerLevel + 2 zeros: entries go to levels callerLevel - nr_pids + 1 .. callerLevel; the extra
 * slot (a CLONE_NEWPID child's new namespace) stays 0 (automatic, so 1). -EINVAL when nr_pids > callerLevel + 1.
 * Linux: v11 copy_target_pids().
 */
export function clonePidsToLevels(pids: readonly number[], callerLevel: number): number[] | number {
  if (pids.length > callerLevel + 1) return -Errno.EINVAL;
  const levels = new Array<number>(callerLevel + 2).fill(0);
  const base = callerLevel - pids.length + 1;
  for (let j = 0; j < pids.length; j++) levels[base + j] = pids[j]!;
  return levels;
}

/** Free levels from..level of a failed allocation; reset the cursor of a namespace that never had a pid. */
function rollback(chain: readonly PidNamespace[], nrs: number[], from: number, err: number): number {
  if (testBugs.skipAllocPidRollback) return err; // deliberate bug for the checker's own tests (kernel/test_bugs.ts)
  for (let i = from; i < chain.length; i++) chain[i]!.idr.remove(nrs[i]!);
  const ns = chain[chain.length - 1]!;
  if (ns.accepting && ns.pidAllocated === 0) ns.idr.setCursor(0);
  return err;
}

/** Publish a fully reserved allocation, or -ENOMEM (all freed) when the innermost namespace stopped accepting. */
function publishPid(chain: readonly PidNamespace[], nrs: number[]): Pid | number {
  const ns = chain[chain.length - 1]!;
  if (!ns.accepting) return rollback(chain, nrs, 0, -Errno.ENOMEM);
  const pid = new Pid(ns, nrs[ns.level]!, ns.level === 0 ? null : nrs.slice(0, ns.level));
  for (let i = chain.length - 1; i >= 0; i--) {
    chain[i]!.idr.publish(nrs[i]!, pid);
    chain[i]!.pidAllocated++;
  }
  return pid;
}

/**
 * Release every number of pid. Per level: pidAllocated - 1; a namespace that drops to 0 while accepting (its first
 * process is gone) stops accepting for good; a non-accepting namespace that drops to 1 or 2 has its reaper woken
 * through `wakeReaper` (its init may wait for the others to die). Throws on a second free (emulator bug).
 * Linux: kernel/pid.c free_pid().
 */
export function freePid(pid: Pid, wakeReaper?: WakeReaper): void {
  if (pid.freed) throw new Error(`freePid: pid ${pid.innerNr} freed twice`);
  const chain = nsChain(pid.ns);
  for (let i = 0; i < chain.length; i++) {
    const ns = chain[i]!;
    const left = --ns.pidAllocated;
    if (ns.accepting && left === 0) ns.accepting = false;
    else if (!ns.accepting && (left === 1 || left === 2) && ns.childReaper !== null) wakeReaper?.(ns);
    ns.idr.remove(pid.nrAt(i));
  }
  pid.freed = true;
}

/**
 * Stop publishing new pids in ns (its init is exiting); later allocations fail with ENOMEM.
 * Linux: kernel/pid.c disable_pid_allocation().
 */
export function disablePidAllocation(ns: PidNamespace): void {
  ns.accepting = false;
}

/** Record task as a user of pid in role `type`. Linux: kernel/pid.c attach_pid(). */
export function attachPid(pid: Pid, type: PidType, task: Task): void {
  if (pid.freed) throw new Error('attachPid: pid already freed');
  pid.addUser(type, task);
}

/**
 * Drop task as a user of pid in role `type`; when no user of any role is left the numbers are freed (freePid) and
 * true is returned. Throws when task was not attached (emulator bug). Linux: kernel/pid.c detach_pid() + free_pids().
 */
export function detachPid(pid: Pid, type: PidType, task: Task, wakeReaper?: WakeReaper): boolean {
  if (!pid.removeUser(type, task)) throw new Error('detachPid: task is not a user of this pid');
  if (pid.hasAnyUser()) return false;
  freePid(pid, wakeReaper);
  return true;
}

/** The first task using pid in role `type`, or null. Linux: kernel/pid.c pid_task(). */
export function pidTask(pid: Pid | null, type: PidType): Task | null {
  return pid?.users(type)[0] ?? null;
}

/** The namespace a Pid was made in (a task's active namespace is that of its TID Pid). Linux: ns_of_pid(). */
export function nsOfPid(pid: Pid): PidNamespace {
  return pid.ns;
}

/** pid's number in the root namespace, 0 for null (Linux pid_nr(); for traces and host-side views). */
export function pidNr(pid: Pid | null): number {
  return pid === null ? 0 : pid.nrAt(0);
}

/** pid's number inside ns, or 0 when pid is null or not visible there (ns is not on its chain). Linux: pid_nr_ns(). */
export function pidNrNs(pid: Pid | null, ns: PidNamespace): number {
  if (pid === null || ns.level > pid.level) return 0;
  return nsChain(pid.ns)[ns.level] === ns ? pid.nrAt(ns.level) : 0;
}

/** pid's number as seen by a task whose own TID Pid is `viewer` (its active namespace). Linux: pid_vnr(). */
export function pidVnr(pid: Pid | null, viewer: Pid): number {
  return pidNrNs(pid, nsOfPid(viewer));
}

/** The published Pid with number nr in ns, or null (free or only reserved). Linux: kernel/pid.c find_pid_ns(). */
export function findPidNs(nr: number, ns: PidNamespace): Pid | null {
  return ns.idr.find(nr) ?? null;
}

/** Leak-check view: every taken number of ns, ascending, with its Pid (null = reserved, not published). */
export function pidNamespaceNumbers(ns: PidNamespace): Array<{ nr: number; pid: Pid | null }> {
  return Array.from(ns.idr.entries(), ([nr, pid]) => ({ nr, pid: pid ?? null }));
}

/**
 * Invariants at a quiescent point (between syscalls; a Pid between allocPid and its first attachPid breaks the
 * first): every published number belongs to a live Pid that has a user and whose numbers[level] is that number;
 * pidAllocated equals the published count; no number is left reserved. Returns one message per violation.
 */
export function checkPidInvariants(namespaces: Iterable<PidNamespace>): string[] {
  const bad: string[] = [];
  for (const ns of namespaces) {
    let published = 0;
    for (const { nr, pid } of pidNamespaceNumbers(ns)) {
      const where = `level ${ns.level} nr ${nr}`;
      if (pid === null) bad.push(`${where}: reserved, never published or freed`);
      else if (pid.freed) bad.push(`${where}: belongs to a freed pid`);
      else if (!pid.hasAnyUser()) bad.push(`${where}: pid has no user task`);
      else if (pidNrNs(pid, ns) !== nr) bad.push(`${where}: pid says ${pidNrNs(pid, ns)}`);
      if (pid !== null) published++;
    }
    if (published !== ns.pidAllocated) {
      bad.push(`level ${ns.level}: pidAllocated ${ns.pidAllocated}, published ${published}`);
    }
  }
  return bad;
}
