/**
 * PidNamespace: Linux's `struct pid_namespace` (include/linux/pid_namespace.h, kernel/pid_namespace.c) reduced to
 * number allocation: level, parent, owner user namespace, the Idr of numbers, the child reaper, the count of
 * published pids and the PIDNS_ADDING flag (`accepting`).
 *
 * Life of a namespace: created accepting with no reaper and cursor 0, so its first automatic number is 1. It stops
 * accepting for good when its init exits (disablePidAllocation in pid.ts) or when its very first process is released
 * (freePid in pid.ts); every later allocation into it then fails with ENOMEM.
 */
import { Errno } from './uapi/errno.js';
import { Idr, PID_MAX_LIMIT, RESERVED_PIDS } from './idr.js';
import type { Pid } from './pid.js';
import type { Task } from './sched/task.js';

export { PID_MAX_LIMIT, RESERVED_PIDS };

/** Default pid_max of the root namespace (include/linux/threads.h PID_MAX_DEFAULT, 0x8000). */
export const PID_MAX_DEFAULT = 32768;
/** Deepest allowed level: 33 levels 0..32 (include/linux/pid_namespace.h MAX_PID_NS_LEVEL). */
export const MAX_PID_NS_LEVEL = 32;
/** Lowest pid_max accepted by the sysctl: max(RESERVED_PIDS + 1, 8 * possible CPUs); 301 on small machines. */
export const PID_MAX_MIN_DEFAULT = RESERVED_PIDS + 1;

/**
 * The user namespace that owns a pid namespace, kept opaque: only its ancestry matters here. Capability checks
 * against it are the caller's (they need task credentials).
 */
export interface UserNsRef {
  readonly parent: UserNsRef | null;
}

/** The initial user namespace, the default owner of the root pid namespace. */
export const initUserNs: UserNsRef = Object.freeze({ parent: null });

/** Settings shared by all namespaces of one kernel. */
export interface PidNsConfig {
  /** 6.14+: each namespace has its own pid_max (default true, as on the reference 6.18 kernel). */
  readonly perNsPidMax: boolean;
  /** Lowest value a pid_max write accepts (numbers). */
  readonly pidMaxMin: number;
}

export class PidNamespace {
  /** Allocated numbers of this namespace; published values are the Pids. */
  readonly idr = new Idr<Pid>();
  /** The namespace's init (PID 1), or null before it exists; set by the fork path. */
  childReaper: Task | null = null;
  /** Published pids with a number here (Linux pid_allocated without the PIDNS_ADDING bit). */
  pidAllocated = 0;
  /** Linux PIDNS_ADDING: new pids may be published into this namespace. */
  accepting = true;
  /** The namespaces from the root (index 0) to this one (index level); see nsChain. */
  readonly chain: readonly PidNamespace[];
  private ownPidMax: number;

  /** Use createRootPidNamespace or createPidNamespace. */
  constructor(
    readonly level: number,
    readonly parent: PidNamespace | null,
    readonly ownerUserNs: UserNsRef,
    readonly config: PidNsConfig,
    pidMax: number,
  ) {
    this.ownPidMax = pidMax;
    this.chain = parent === null ? [this] : [...parent.chain, this];
    if (parent !== null && level !== parent.level + 1) throw new Error('pid namespace level must be parent + 1');
  }

  /** Allocation limit of this namespace (numbers are < pidMax); the root's value when perNsPidMax is off. */
  get pidMax(): number {
    if (this.config.perNsPidMax || this.parent === null) return this.ownPidMax;
    return rootOf(this).pidMax;
  }

  /** Store a pid_max already validated by setPidMax. */
  storePidMax(value: number): void {
    if (this.config.perNsPidMax || this.parent === null) this.ownPidMax = value;
    else rootOf(this).storePidMax(value);
  }
}

/** The level-0 ancestor of ns. */
function rootOf(ns: PidNamespace): PidNamespace {
  let r = ns;
  while (r.parent !== null) r = r.parent;
  return r;
}

/** Options of the root namespace; defaults: pid_max 32768, per-namespace pid_max on, pid_max minimum 301. */
export interface RootPidNsOptions {
  pidMax?: number;
  perNsPidMax?: boolean;
  pidMaxMin?: number;
  ownerUserNs?: UserNsRef;
}

/**
 * The root pid namespace (level 0, accepting, no reaper yet: the boot code sets `childReaper`). Throws on a pid_max
 * outside [pidMaxMin, PID_MAX_LIMIT] since that is an emulator configuration error. Linux: kernel/pid.c init_pid_ns.
 */
export function createRootPidNamespace(opts: RootPidNsOptions = {}): PidNamespace {
  const config: PidNsConfig = {
    perNsPidMax: opts.perNsPidMax ?? true,
    pidMaxMin: opts.pidMaxMin ?? PID_MAX_MIN_DEFAULT,
  };
  const pidMax = opts.pidMax ?? PID_MAX_DEFAULT;
  if (!Number.isInteger(pidMax) || pidMax < config.pidMaxMin || pidMax > PID_MAX_LIMIT) {
    throw new Error(`pid_max ${pidMax} outside [${config.pidMaxMin}, ${PID_MAX_LIMIT}]`);
  }
  return new PidNamespace(0, null, opts.ownerUserNs ?? initUserNs, config, pidMax);
}

/** Options of a new namespace: its owner (default: the parent's) and the per-user namespace count check. */
export interface CreatePidNsOptions {
  ownerUserNs?: UserNsRef;
  /** Charges /proc/sys/user/max_pid_namespaces; false = limit reached (ENOSPC). Default: always allowed. */
  chargeUcount?: () => boolean;
}

/**
 * A child of `parent` at level parent.level + 1: cursor 0, accepting, no reaper; pid_max PID_MAX_LIMIT with
 * per-namespace pid_max (what 6.18 shows: `unshare -pf cat /proc/sys/kernel/pid_max` prints 4194304 whatever the
 * parent's value), else the shared root value.
 * Errors, in Linux's order: -EINVAL when the parent's owner is not an ancestor-or-self of the new owner; -ENOSPC
 * past MAX_PID_NS_LEVEL (32); -ENOSPC when chargeUcount refuses. The EPERM (CAP_SYS_ADMIN) check and the
 * "pid_ns_for_children is not the active namespace" EINVAL are the caller's: see copyPidNs.
 * Linux: kernel/pid_namespace.c create_pid_namespace().
 */
export function createPidNamespace(parent: PidNamespace, opts: CreatePidNsOptions = {}): PidNamespace | number {
  const owner = opts.ownerUserNs ?? parent.ownerUserNs;
  if (!inUserNs(parent.ownerUserNs, owner)) return -Errno.EINVAL;
  const level = parent.level + 1;
  if (level > MAX_PID_NS_LEVEL) return -Errno.ENOSPC;
  if (opts.chargeUcount !== undefined && !opts.chargeUcount()) return -Errno.ENOSPC;
  return new PidNamespace(level, parent, owner, parent.config, PID_MAX_LIMIT);
}

/**
 * The pid namespace for a new child or after unshare: `forChildren` itself without CLONE_NEWPID; with it, -EINVAL
 * when the caller's pid_ns_for_children is not its active namespace (an unshare(CLONE_NEWPID) whose first child
 * does not exist yet), else createPidNamespace(forChildren). The CLONE_THREAD|CLONE_NEWPID check is the caller's.
 * Linux: kernel/pid_namespace.c copy_pid_ns().
 */
export function copyPidNs(
  newPid: boolean,
  active: PidNamespace,
  forChildren: PidNamespace,
  opts: CreatePidNsOptions = {},
): PidNamespace | number {
  if (!newPid) return forChildren;
  if (active !== forChildren) return -Errno.EINVAL;
  return createPidNamespace(forChildren, opts);
}

/**
 * setns(fd, CLONE_NEWPID) checks: -EPERM unless the caller has CAP_SYS_ADMIN both in the target's owner and in its
 * own user namespace (`capable`, decided by the caller); -EINVAL unless target is the caller's active namespace or
 * one of its descendants. Returns 0 when the caller may set pid_ns_for_children = target.
 * Linux: kernel/pid_namespace.c pidns_install().
 */
export function pidnsInstallCheck(active: PidNamespace, target: PidNamespace, capable: boolean): number {
  if (!capable) return -Errno.EPERM;
  return isAncestorOrSelf(active, target) ? 0 : -Errno.EINVAL;
}

/** True when `ancestor` is `ns` or one of its parents. Linux: pidns_is_ancestor() plus equality. */
export function isAncestorOrSelf(ancestor: PidNamespace, ns: PidNamespace): boolean {
  let p: PidNamespace | null = ns;
  while (p !== null && p.level > ancestor.level) p = p.parent;
  return p === ancestor;
}

/** True when `ancestor` is `child` or one of its parents (user namespaces). Linux: user_namespace.c in_userns(). */
export function inUserNs(ancestor: UserNsRef, child: UserNsRef): boolean {
  for (let u: UserNsRef | null = child; u !== null; u = u.parent) if (u === ancestor) return true;
  return false;
}

/**
 * Read of /proc/sys/kernel/ns_last_pid in the reader's active namespace: cursor - 1, the last automatic number or
 * the last value written (-1 in a namespace whose only numbers came from set_tid).
 * Linux: kernel/pid_namespace.c pid_ns_ctl_handler().
 */
export function nsLastPid(ns: PidNamespace): number {
  return ns.idr.getCursor() - 1;
}

/**
 * Write N to ns_last_pid: -EPERM unless `privileged` (CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE in the namespace's
 * owner, decided by the caller), then -EINVAL unless N is an integer in 0..pid_max inclusive; on success the cursor
 * becomes N + 1 and 0 is returned. Linux: kernel/pid_namespace.c pid_ns_ctl_handler().
 */
export function setNsLastPid(ns: PidNamespace, n: number, privileged: boolean): number {
  if (!privileged) return -Errno.EPERM;
  if (!Number.isInteger(n) || n < 0 || n > ns.pidMax) return -Errno.EINVAL;
  ns.idr.setCursor(n + 1);
  return 0;
}

/**
 * Write to /proc/sys/kernel/pid_max as seen from `ns`: -EINVAL unless value is an integer in
 * [pidMaxMin, PID_MAX_LIMIT]; sets this namespace's value (the shared root value when perNsPidMax is off).
 * Permission is the file's mode (EACCES at open), the caller's. Linux: kernel/pid.c pid_table (proc_dointvec_minmax).
 */
export function setPidMax(ns: PidNamespace, value: number): number {
  if (!Number.isInteger(value) || value < ns.config.pidMaxMin || value > PID_MAX_LIMIT) return -Errno.EINVAL;
  ns.storePidMax(value);
  return 0;
}

/** The namespaces from the root (index 0) to ns (index ns.level); shared, do not modify. */
export function nsChain(ns: PidNamespace): readonly PidNamespace[] {
  return ns.chain;
}
