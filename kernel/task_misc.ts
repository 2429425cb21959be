/**
 * The per-thread bookkeeping calls of libc start-up: set_tid_address, set_robust_list / get_robust_list, rseq,
 * rt_sigaction, rt_sigprocmask, sigaltstack and sched_getaffinity. They validate like Linux and store what they are
 * given; signal handlers are recorded but never run (sysemu delivers default actions only). The signal state lives
 * in WeakMaps keyed by task (blocked mask, alternate stack) or thread group (actions), so task.ts stays unchanged.
 * Linux: kernel/fork.c, kernel/futex/syscalls.c, kernel/rseq.c, kernel/signal.c, kernel/sched/syscalls.c.
 */
import os from 'node:os';
import { Errno } from './uapi/errno.js';
import { _NSIG, SIG } from './uapi/signal.js';
import { copyFromUser, copyToUser, putUser64 } from './uaccess.js';
import { findPidNs, nsOfPid, pidTask, PidType } from './pid.js';
import { vnr } from './sys_ids.js';
import { PT } from './arch/x86/ptregs.js';
import type { Task } from './sched/task.js';
import type { SyscallArgs } from './arch/x86/syscall_args.js';
import type { SyscallDef } from './arch/x86/syscall_def.js';

/** The task numbered nr in task's pid namespace (any thread), or null. Linux: find_task_by_vpid(). */
export function findTaskByVpid(task: Task, nr: number): Task | null {
  if (task.pid === undefined || nr <= 0) return null;
  return pidTask(findPidNs(nr, nsOfPid(task.pid)), PidType.PID);
}

/**
 * The caller's tid in its own pid namespace (not Kernel.tidOf, which is the root-namespace number strace prints).
 * Test tasks without a Pid get 1. Linux: task_pid_vnr(current).
 */
function ownTid(task: Task): number {
  return task.pid !== undefined ? vnr(task, task.pid) : 1;
}

/** set_tid_address(tidptr): remembers the pointer cleared at exit; returns the caller's tid. */
function sysSetTidAddress(task: Task, a: SyscallArgs): number {
  task.clearChildTid = a.ptr(0);
  return ownTid(task);
}

/** sizeof(struct robust_list_head) on x86-64. */
export const ROBUST_LIST_HEAD_SIZE = 24;

/** set_robust_list(head, len): EINVAL unless len is 24; the list is only stored. */
function sysSetRobustList(task: Task, a: SyscallArgs): number {
  if (a.u64(1) !== BigInt(ROBUST_LIST_HEAD_SIZE)) return -Errno.EINVAL;
  task.robustListHead = a.ptr(0);
  task.robustListLen = ROBUST_LIST_HEAD_SIZE;
  return 0;
}

/** get_robust_list(pid, head_ptr, len_ptr): ESRCH, EFAULT (len written first, then head). */
function sysGetRobustList(task: Task, a: SyscallArgs): number {
  const pid = a.int(0);
  const target = pid === 0 ? task : findTaskByVpid(task, pid);
  if (!target) return -Errno.ESRCH;
  const err = putUser64(task, a.ptr(2), BigInt(ROBUST_LIST_HEAD_SIZE), 'get_robust_list:len_ptr');
  return err || putUser64(task, a.ptr(1), BigInt(target.robustListHead), 'get_robust_list:head_ptr');
}

// --- signal actions -------------------------------------------------------------------------------------------

/** One struct sigaction (kernel layout, 32 bytes: sa_handler, sa_flags, sa_restorer, sa_mask). */
export interface SigAction {
  sa_handler: bigint;
  sa_flags: bigint;
  sa_restorer: bigint;
  sa_mask: bigint;
}

export const SIGACTION_SIZE = 32;
/** sizeof(sigset_t) in the kernel: 64 signals. */
export const SIGSET_SIZE = 8;

/** SA_* bits the kernel keeps (UAPI_SA_FLAGS with x86's SA_RESTORER); others are cleared when stored. */
export const UAPI_SA_FLAGS = 0x1n | 0x2n | 0x4n | 0x08000000n | 0x10000000n | 0x40000000n | 0x80000000n | 0x800n | 0x04000000n;

/** sigmask(SIGKILL) | sigmask(SIGSTOP): never blocked, never in a handler's mask. */
const UNBLOCKABLE = (1n << BigInt(SIG.SIGKILL - 1)) | (1n << BigInt(SIG.SIGSTOP - 1));

const actionTables = new WeakMap<object, SigAction[]>();

/** The 64 actions of task's process (index signal - 1), all SIG_DFL at first. Linux: task->sighand->action. */
export function sigactionsOf(task: Task): SigAction[] {
  const key = task.group ?? task;
  let t = actionTables.get(key);
  if (!t) {
    t = Array.from({ length: _NSIG }, () => ({ sa_handler: 0n, sa_flags: 0n, sa_restorer: 0n, sa_mask: 0n }));
    actionTables.set(key, t);
  }
  return t;
}

/** Gives a new process copies of its parent's actions (fork without CLONE_SIGHAND). Linux: copy_sighand(). */
export function inheritSigactions(child: Task, parent: Task): void {
  actionTables.set(child.group ?? child, sigactionsOf(parent).map((s) => ({ ...s })));
}

function sigactionBytes(s: SigAction): Uint8Array {
  const b = new Uint8Array(SIGACTION_SIZE);
  const v = new DataView(b.buffer);
  [s.sa_handler, s.sa_flags, s.sa_restorer, s.sa_mask].forEach((x, i) => v.setBigUint64(i * 8, x, true));
  return b;
}

function sigactionFrom(b: Uint8Array): SigAction {
  const v = new DataView(b.buffer, b.byteOffset, SIGACTION_SIZE);
  const f = (i: number) => v.getBigUint64(i * 8, true);
  return { sa_handler: f(0), sa_flags: f(1), sa_restorer: f(2), sa_mask: f(3) };
}

/**
 * Replaces and/or reads the action of sig: the old action (flags reduced to UAPI_SA_FLAGS) or -EINVAL (sig outside
 * 1..64, or SIGKILL/SIGSTOP with a new action). Linux: kernel/signal.c do_sigaction().
 */
export function doSigaction(task: Task, sig: number, act: SigAction | null): SigAction | number {
  if (sig < 1 || sig > _NSIG || (act && (sig === SIG.SIGKILL || sig === SIG.SIGSTOP))) return -Errno.EINVAL;
  const table = sigactionsOf(task);
  const old = { ...table[sig - 1], sa_flags: table[sig - 1].sa_flags & UAPI_SA_FLAGS };
  if (act) table[sig - 1] = { ...act, sa_flags: act.sa_flags & UAPI_SA_FLAGS, sa_mask: act.sa_mask & ~UNBLOCKABLE };
  return old;
}

/**
 * rt_sigaction(sig, act, oact, sigsetsize): EINVAL (sigsetsize != 8, then do_sigaction's checks), EFAULT (act is
 * read before anything else; oact is written after the change). Linux: kernel/signal.c rt_sigaction.
 */
function sysRtSigaction(task: Task, a: SyscallArgs): number {
  if (a.u64(3) !== BigInt(SIGSET_SIZE)) return -Errno.EINVAL;
  let act: SigAction | null = null;
  if (a.ptr(1)) {
    const b = new Uint8Array(SIGACTION_SIZE);
    if (copyFromUser(task, b, a.ptr(1), 'rt_sigaction:act')) return -Errno.EFAULT;
    act = sigactionFrom(b);
  }
  const old = doSigaction(task, a.int(0), act);
  if (typeof old === 'number') return old;
  if (a.ptr(2) && copyToUser(task, a.ptr(2), sigactionBytes(old), 'rt_sigaction:oact')) return -Errno.EFAULT;
  return 0;
}

// --- blocked mask ---------------------------------------------------------------------------------------------

const SIG_BLOCK = 0;
const SIG_UNBLOCK = 1;
const SIG_SETMASK = 2;

const blockedMasks = new WeakMap<Task, bigint>();

/** task's blocked-signal mask (bit n-1 = signal n). Linux: task->blocked. */
export function blockedOf(task: Task): bigint {
  return blockedMasks.get(task) ?? 0n;
}

/** Sets task's blocked mask (SIGKILL and SIGSTOP are dropped). A new thread starts with its creator's mask. */
export function setBlocked(task: Task, mask: bigint): void {
  blockedMasks.set(task, BigInt.asUintN(64, mask) & ~UNBLOCKABLE);
}

function u64Bytes(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
}

/**
 * rt_sigprocmask(how, nset, oset, sigsetsize): EINVAL (sigsetsize != 8; a bad how, checked only with nset),
 * EFAULT. The old mask is taken before the change. Linux: kernel/signal.c rt_sigprocmask, sigprocmask().
 */
function sysRtSigprocmask(task: Task, a: SyscallArgs): number {
  if (a.u64(3) !== BigInt(SIGSET_SIZE)) return -Errno.EINVAL;
  const old = blockedOf(task);
  if (a.ptr(1)) {
    const b = new Uint8Array(SIGSET_SIZE);
    if (copyFromUser(task, b, a.ptr(1), 'rt_sigprocmask:nset')) return -Errno.EFAULT;
    const set = new DataView(b.buffer).getBigUint64(0, true);
    const how = a.int(0);
    if (how === SIG_BLOCK) setBlocked(task, old | set);
    else if (how === SIG_UNBLOCK) setBlocked(task, old & ~set);
    else if (how === SIG_SETMASK) setBlocked(task, set);
    else return -Errno.EINVAL;
  }
  if (a.ptr(2) && copyToUser(task, a.ptr(2), u64Bytes(old), 'rt_sigprocmask:oset')) return -Errno.EFAULT;
  return 0;
}

// --- alternate signal stack -----------------------------------------------------------------------------------

export const SS_ONSTACK = 1;
export const SS_DISABLE = 2;
export const SS_AUTODISARM = 0x80000000;
/** MINSIGSTKSZ on x86-64: the smallest alternate stack (bytes). */
export const MINSIGSTKSZ = 2048;
export const STACK_T_SIZE = 24;

/** An alternate signal stack: Linux's sas_ss_sp, sas_ss_size, sas_ss_flags. */
interface AltStack {
  sp: bigint;
  size: bigint;
  flags: number;
}

const altStacks = new WeakMap<Task, AltStack>();

function altStackOf(task: Task): AltStack {
  return altStacks.get(task) ?? { sp: 0n, size: 0n, flags: SS_DISABLE };
}

/** Whether sp lies on the alternate stack (never with SS_AUTODISARM). Linux: on_sig_stack(). */
function onSigStack(s: AltStack, sp: bigint): boolean {
  if (s.flags & SS_AUTODISARM) return false;
  return sp > s.sp && sp - s.sp <= s.size;
}

function stackBytes(sp: bigint, flags: number, size: bigint): Uint8Array {
  const b = new Uint8Array(STACK_T_SIZE);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, sp, true);
  v.setInt32(8, flags, true);
  v.setBigUint64(16, size, true);
  return b;
}

/**
 * Installs ss (flags, sp, size) as the alternate stack: 0 or -errno: EPERM while running on it, EINVAL for a mode
 * other than 0, SS_ONSTACK or SS_DISABLE (SS_AUTODISARM may be added), ENOMEM for less than MINSIGSTKSZ bytes.
 * Linux: kernel/signal.c do_sigaltstack().
 */
function setAltStack(task: Task, cur: AltStack, ss: AltStack, userSp: bigint): number {
  if (onSigStack(cur, userSp)) return -Errno.EPERM;
  const mode = ss.flags & ~SS_AUTODISARM;
  if (mode !== SS_DISABLE && mode !== SS_ONSTACK && mode !== 0) return -Errno.EINVAL;
  if (cur.sp === ss.sp && cur.size === ss.size && cur.flags === ss.flags) return 0;
  if (mode === SS_DISABLE) {
    altStacks.set(task, { sp: 0n, size: 0n, flags: ss.flags });
    return 0;
  }
  if (ss.size < BigInt(MINSIGSTKSZ)) return -Errno.ENOMEM;
  altStacks.set(task, { ...ss });
  return 0;
}

/**
 * sigaltstack(uss, uoss): EFAULT (uss read first, uoss written last and only on success), then do_sigaltstack's
 * errors. The old flags say SS_DISABLE without a stack, SS_ONSTACK while on it, plus SS_AUTODISARM if set.
 */
function sysSigaltstack(task: Task, a: SyscallArgs): number {
  const cur = altStackOf(task);
  const userSp = a.regs[PT.rsp];
  let err = 0;
  if (a.ptr(0)) {
    const b = new Uint8Array(STACK_T_SIZE);
    if (copyFromUser(task, b, a.ptr(0), 'sigaltstack:uss')) return -Errno.EFAULT;
    const v = new DataView(b.buffer);
    err = setAltStack(task, cur, { sp: v.getBigUint64(0, true), flags: v.getInt32(8, true), size: v.getBigUint64(16, true) }, userSp);
  }
  if (err || !a.ptr(1)) return err;
  const state = cur.size === 0n ? SS_DISABLE : onSigStack(cur, userSp) ? SS_ONSTACK : 0;
  const old = stackBytes(cur.sp, state | (cur.flags & SS_AUTODISARM), cur.size);
  return copyToUser(task, a.ptr(1), old, 'sigaltstack:uoss') ? -Errno.EFAULT : 0;
}

// --- CPU affinity ---------------------------------------------------------------------------------------------

/** cpumask_size() on the reference machine: NR_CPUS = 256 bits, 32 bytes (more when the host has more CPUs). */
export function cpumaskSize(nrCpus: number): number {
  return Math.max(32, Math.ceil(nrCpus / 64) * 8);
}

/** The number of CPUs sysemu reports: the host's (nr_cpu_ids). */
export function nrCpuIds(): number {
  return os.availableParallelism();
}

/**
 * sched_getaffinity(pid, len, mask): every CPU of the host; returns the bytes written, min(len, cpumask size).
 * EINVAL when len * 8 < nr_cpu_ids or len is not a multiple of 8; ESRCH; EFAULT.
 * Linux: kernel/sched/syscalls.c sched_getaffinity.
 */
function sysSchedGetaffinity(task: Task, a: SyscallArgs): number {
  const len = a.uint(1);
  const ncpu = nrCpuIds();
  if (len * 8 < ncpu || len % 8 !== 0) return -Errno.EINVAL;
  const pid = a.int(0);
  if (pid !== 0 && !findTaskByVpid(task, pid)) return -Errno.ESRCH;
  const retlen = Math.min(len, cpumaskSize(ncpu));
  const mask = new Uint8Array(retlen);
  for (let c = 0; c < ncpu; c++) mask[c >> 3] |= 1 << (c & 7);
  return copyToUser(task, a.ptr(2), mask, 'sched_getaffinity:mask') ? -Errno.EFAULT : retlen;
}

const HANDLERS_NOTE = 'recorded, never run: only default actions are delivered';

export const taskMiscSyscalls: SyscallDef[] = [
  { name: 'set_tid_address', fn: sysSetTidAddress, support: 'full', args: ['ptr'] },
  { name: 'set_robust_list', fn: sysSetRobustList, support: 'full', args: ['ptr', 'ulong'] },
  { name: 'get_robust_list', fn: sysGetRobustList, support: 'full', args: ['int', 'ptr', 'ptr'] },
  { name: 'rseq', fn: () => -Errno.ENOSYS, support: 'enosys', note: 'glibc then runs without rseq', args: ['ptr', 'hex', 'hex', 'hex'] },
  { name: 'rt_sigaction', fn: sysRtSigaction, support: 'partial', note: HANDLERS_NOTE, args: [{ sym: 'signal' }, 'ptr', 'ptr', 'ulong'] },
  {
    name: 'rt_sigprocmask',
    fn: sysRtSigprocmask,
    support: 'partial',
    note: 'mask stored; nothing is pending to unblock',
    args: [{ sym: 'sigprocmask_how' }, 'ptr', 'ptr', 'ulong'],
  },
  { name: 'sigaltstack', fn: sysSigaltstack, support: 'partial', fullFrame: true, note: 'stored; handlers never run', args: ['ptr', 'ptr'] },
  { name: 'sched_getaffinity', fn: sysSchedGetaffinity, support: 'full', args: ['int', 'uint', 'ptr'] },
];
