/**
 * System information and credentials: uname, the uid/gid getters (sysemu's tasks are root), and resource limits
 * (prlimit64, getrlimit, setrlimit). Limits are kept per thread group (Linux keeps them in signal_struct) and start
 * at what a fresh Debian root shell shows on the reference machine. Linux: kernel/sys.c.
 */
import os from 'node:os';
import { Errno } from './uapi/errno.js';
import { copyFromUser, copyToUser } from './uaccess.js';
import { findTaskByVpid } from './task_misc.js';
import type { Task } from './sched/task.js';
import type { SyscallArgs } from './arch/x86/syscall_args.js';
import type { SyscallDef } from './arch/x86/syscall_def.js';

/** struct new_utsname: six fields of __NEW_UTS_LEN + 1 = 65 bytes. */
export const UTS_FIELD_LEN = 65;
export const UTSNAME_SIZE = 6 * UTS_FIELD_LEN;

/** The six utsname strings, in struct order. */
export interface UtsName {
  sysname: string;
  nodename: string;
  release: string;
  version: string;
  machine: string;
  domainname: string;
}

/** Kernel options sys.ts reads if present (the lead may add them to KernelOptions). */
interface SysOptions {
  /** uname release; default: the host's os.release(). */
  utsRelease?: string;
  /** uname nodename; default "sysemu". */
  utsNodename?: string;
}

/** What uname reports to task. */
export function utsnameOf(task: Task): UtsName {
  const opts = (task.kernel as { opts?: SysOptions }).opts ?? {};
  return {
    sysname: 'Linux',
    nodename: opts.utsNodename ?? 'sysemu',
    release: opts.utsRelease ?? os.release(),
    version: os.version(),
    machine: 'x86_64',
    domainname: '(none)',
  };
}

/** Encodes u as struct new_utsname (390 bytes, NUL-padded fields, each cut to 64 bytes). */
export function utsnameBytes(u: UtsName): Uint8Array {
  const b = new Uint8Array(UTSNAME_SIZE);
  const fields = [u.sysname, u.nodename, u.release, u.version, u.machine, u.domainname];
  fields.forEach((s, i) => b.set(Buffer.from(s, 'utf8').subarray(0, UTS_FIELD_LEN - 1), i * UTS_FIELD_LEN));
  return b;
}

/** uname(buf): 0 or EFAULT. Linux: kernel/sys.c newuname(). */
function sysNewuname(task: Task, a: SyscallArgs): number {
  return copyToUser(task, a.ptr(0), utsnameBytes(utsnameOf(task)), 'uname:buf') ? -Errno.EFAULT : 0;
}

/** Number of resources (RLIMIT_CPU 0 .. RLIMIT_RTTIME 15). */
export const RLIM_NLIMITS = 16;
export const RLIM64_INFINITY = 0xffffffffffffffffn;
export const RLIMIT_STACK = 3;
export const RLIMIT_NOFILE = 7;
/** fs.nr_open: the highest RLIMIT_NOFILE. */
export const NR_OPEN = 1048576n;

const INF = RLIM64_INFINITY;

/**
 * Limits of a fresh root shell on the reference machine (Debian 12, 2 CPUs, 24 GiB): `prlimit` order CPU, FSIZE,
 * DATA, STACK (8 MiB soft), CORE (0 soft), RSS, NPROC, NOFILE (1024 / 1048576), MEMLOCK (8 MiB), AS, LOCKS,
 * SIGPENDING, MSGQUEUE, NICE, RTPRIO, RTTIME. NPROC and SIGPENDING (max_threads / 2) scale with memory.
 */
export const DEFAULT_RLIMITS: readonly (readonly [cur: bigint, max: bigint])[] = [
  [INF, INF], [INF, INF], [INF, INF], [8n << 20n, INF], [0n, INF], [INF, INF], [96364n, 96364n], [1024n, NR_OPEN],
  [8n << 20n, 8n << 20n], [INF, INF], [INF, INF], [96364n, 96364n], [819200n, 819200n], [0n, 0n], [0n, 0n],
  [INF, INF],
];

type Rlimits = Array<[bigint, bigint]>;

const rlimitTables = new WeakMap<object, Rlimits>();

/** The limits shared by task's thread group, created at their defaults on first use. */
export function rlimitsOf(task: Task): Rlimits {
  const key = task.group ?? task;
  let t = rlimitTables.get(key);
  if (!t) {
    t = DEFAULT_RLIMITS.map(([c, m]) => [c, m]);
    rlimitTables.set(key, t);
  }
  return t;
}

/** Gives a new process a copy of its parent's limits (fork without CLONE_THREAD). Linux: copy_signal(). */
export function inheritRlimits(child: Task, parent: Task): void {
  rlimitTables.set(child.group ?? child, rlimitsOf(parent).map(([c, m]) => [c, m]));
}

/**
 * Reads and/or sets one limit of target: returns the old [cur, max] or -errno: EINVAL (resource >= 16, cur > max),
 * EPERM (RLIMIT_NOFILE max above nr_open, or raising max without CAP_SYS_RESOURCE). Linux: do_prlimit().
 */
export function doPrlimit(caller: Task, target: Task, resource: number, next: readonly [bigint, bigint] | null): [bigint, bigint] | number {
  if (resource < 0 || resource >= RLIM_NLIMITS) return -Errno.EINVAL;
  if (next) {
    if (next[0] > next[1]) return -Errno.EINVAL;
    if (resource === RLIMIT_NOFILE && next[1] > NR_OPEN) return -Errno.EPERM;
  }
  const table = rlimitsOf(target);
  const old: [bigint, bigint] = [table[resource][0], table[resource][1]];
  if (next) {
    if (next[1] > old[1] && !caller.privileged) return -Errno.EPERM;
    table[resource] = [next[0], next[1]];
  }
  return old;
}

function rlimitBytes(l: readonly [bigint, bigint]): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, l[0], true);
  v.setBigUint64(8, l[1], true);
  return b;
}

/** Copies a struct rlimit64 in: [cur, max] or -EFAULT. */
function rlimitFromUser(task: Task, addr: number, site: string): [bigint, bigint] | number {
  const b = new Uint8Array(16);
  if (copyFromUser(task, b, addr, site)) return -Errno.EFAULT;
  const v = new DataView(b.buffer);
  return [v.getBigUint64(0, true), v.getBigUint64(8, true)];
}

/**
 * prlimit64(pid, resource, new, old): pid 0 is the caller; EFAULT (new is read before anything else, old is
 * written after the change is made), ESRCH, then doPrlimit's errors. Linux: kernel/sys.c prlimit64.
 */
function sysPrlimit64(task: Task, a: SyscallArgs): number {
  const newAddr = a.ptr(2);
  const oldAddr = a.ptr(3);
  const next = newAddr ? rlimitFromUser(task, newAddr, 'prlimit64:new_rlim') : null;
  if (typeof next === 'number') return next;
  const pid = a.int(0);
  const target = pid === 0 ? task : findTaskByVpid(task, pid);
  if (!target) return -Errno.ESRCH;
  const old = doPrlimit(task, target, a.uint(1), next);
  if (typeof old === 'number') return old;
  if (oldAddr && copyToUser(task, oldAddr, rlimitBytes(old), 'prlimit64:old_rlim')) return -Errno.EFAULT;
  return 0;
}

/** getrlimit(resource, rlim): EINVAL, EFAULT. Linux: kernel/sys.c getrlimit. */
function sysGetrlimit(task: Task, a: SyscallArgs): number {
  const old = doPrlimit(task, task, a.uint(0), null);
  if (typeof old === 'number') return old;
  return copyToUser(task, a.ptr(1), rlimitBytes(old), 'getrlimit:rlim') ? -Errno.EFAULT : 0;
}

/** setrlimit(resource, rlim): EFAULT (read first), then doPrlimit's errors. Linux: kernel/sys.c setrlimit. */
function sysSetrlimit(task: Task, a: SyscallArgs): number {
  const next = rlimitFromUser(task, a.ptr(1), 'setrlimit:rlim');
  if (typeof next === 'number') return next;
  const old = doPrlimit(task, task, a.uint(0), next);
  return typeof old === 'number' ? old : 0;
}

const root = (): number => 0;

export const sysSyscalls: SyscallDef[] = [
  { name: 'uname', fn: sysNewuname, support: 'full', args: ['ptr'] },
  { name: 'getuid', fn: root, support: 'partial', note: 'every task is root', args: [] },
  { name: 'geteuid', fn: root, support: 'partial', note: 'every task is root', args: [] },
  { name: 'getgid', fn: root, support: 'partial', note: 'every task is root', args: [] },
  { name: 'getegid', fn: root, support: 'partial', note: 'every task is root', args: [] },
  {
    name: 'prlimit64',
    fn: sysPrlimit64,
    support: 'partial',
    note: 'limits are stored and reported, not enforced',
    args: ['int', { sym: 'rlimit' }, 'ptr', 'ptr'],
  },
  { name: 'getrlimit', fn: sysGetrlimit, support: 'partial', note: 'not enforced', args: [{ sym: 'rlimit' }, 'ptr'] },
  { name: 'setrlimit', fn: sysSetrlimit, support: 'partial', note: 'not enforced', args: [{ sym: 'rlimit' }, 'ptr'] },
];
