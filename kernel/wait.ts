/**
 * wait4 and waitid: finding an eligible child, reaping a dead one, or sleeping until one changes state. Only exits
 * are modelled (no stopped or continued children). Spec 7.2-7.3. Linux: kernel/exit.c do_wait(),
 * wait_consider_task(), eligible_child(), wait_task_zombie(), kernel_wait4(), kernel_waitid().
 */
import { Errno } from './uapi/errno.js';
import { SIG } from './uapi/signal.js';
import {
  CLD_EXITED, CLD_KILLED, P_ALL, P_PGID, P_PID, P_PIDFD, RUSAGE_SIZE, WCONTINUED, WEXITED, WNOHANG,
  WNOWAIT, WSTOPPED, WUNTRACED, __WALL, __WCLONE, __WNOTHREAD,
} from './uapi/wait.js';
import { findPidNs, nsOfPid, pidNrNs, type Pid } from './pid.js';
import { groupDead, releaseTask, waitStatusOf } from './exit.js';
import { copyToUser, putUser32 } from './uaccess.js';
import { PidfdFile } from './fs/pidfd.js';
import { block, type SyscallControl, type SyscallResult } from './sched/syscall_control.js';
import type { Task } from './sched/task.js';
import type { SyscallArgs } from './arch/x86/syscall_args.js';
import type { SyscallDef } from './arch/x86/syscall_def.js';

/** Offset of si_pid in x86-64 siginfo_t (after si_signo, si_errno, si_code and padding). */
const SIGINFO_PID_OFFSET = 16;

/** Which children a wait looks at. Linux: struct wait_opts. */
interface WaitOpts {
  type: 'all' | 'pid' | 'pgid';
  /** The Pid selected by 'pid' or 'pgid' (null: no such number, so nothing matches). */
  pid: Pid | null;
  flags: number;
}

/** A reaped (or, with WNOWAIT, observed) child: its number in the waiter's namespace and wait status. */
interface Reaped {
  nr: number;
  status: number;
}

function matches(wo: WaitOpts, c: Task): boolean {
  if (wo.type === 'pid') return c.tgid === wo.pid;
  if (wo.type === 'pgid') return c.group.pgrp === wo.pid;
  return true;
}

/** exit_signal eligibility: SIGCHLD children by default, the others with __WCLONE, all with __WALL. */
function eligibleSignal(wo: WaitOpts, c: Task): boolean {
  if (wo.flags & __WALL) return true;
  return (c.exitSignal !== SIG.SIGCHLD) === ((wo.flags & __WCLONE) !== 0);
}

/** The tasks whose children the waiter may collect: its whole group unless __WNOTHREAD. */
function waiters(task: Task, wo: WaitOpts): Task[] {
  return wo.flags & __WNOTHREAD ? [task] : [...task.group.threads];
}

/**
 * One scan: a reaped child, 'none' when no child is eligible at all (ECHILD), or 'busy' when eligible children
 * exist but none has exited. Linux: do_wait_thread() over every thread.
 */
function scanChildren(task: Task, wo: WaitOpts): Reaped | 'none' | 'busy' {
  let eligible = false;
  for (const t of waiters(task, wo)) {
    for (const c of t.children) {
      if (!matches(wo, c) || !eligibleSignal(wo, c)) continue;
      eligible = true;
      if (c.exited && groupDead(c) && wo.flags & WEXITED) return reap(task, c, wo);
    }
  }
  return eligible ? 'busy' : 'none';
}

/** Collects a dead child (releases it unless WNOWAIT). Linux: wait_task_zombie(). */
function reap(task: Task, c: Task, wo: WaitOpts): Reaped {
  const r = { nr: pidNrNs(c.pid, nsOfPid(task.pid)), status: waitStatusOf(c) };
  if (!(wo.flags & WNOWAIT)) releaseTask(c);
  return r;
}

/** The common loop: a child, 0 for WNOHANG with nothing ready, -ECHILD, or a block on the group's queue. */
function doWait(task: Task, wo: WaitOpts): Reaped | number | SyscallControl {
  const r = scanChildren(task, wo);
  if (r === 'none') return -Errno.ECHILD;
  if (r !== 'busy') return r;
  if (wo.flags & WNOHANG) return 0;
  return block(task.group.childExit);
}

/** Maps wait4's pid argument to the options. Numbers are the caller's namespace's. */
function wait4Opts(task: Task, upid: number, flags: number): WaitOpts {
  const ns = nsOfPid(task.pid);
  if (upid === -1) return { type: 'all', pid: null, flags };
  if (upid < 0) return { type: 'pgid', pid: findPidNs(-upid, ns), flags };
  if (upid === 0) return { type: 'pgid', pid: task.group.pgrp, flags };
  return { type: 'pid', pid: findPidNs(upid, ns), flags };
}

/**
 * wait4(pid, status, options, rusage): the child's number, 0 (WNOHANG), or -EINVAL (options outside WNOHANG,
 * WUNTRACED, WCONTINUED, __WNOTHREAD, __WCLONE, __WALL), -ESRCH (pid INT_MIN), -ECHILD, -EFAULT (writing status
 * or rusage failed; the child is already reaped). rusage is written as zeros. Linux: kernel_wait4().
 */
function sysWait4(task: Task, a: SyscallArgs): SyscallResult {
  const upid = a.int(0);
  const options = a.int(2) >>> 0;
  if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)) return -Errno.EINVAL;
  if (upid === -0x80000000) return -Errno.ESRCH;
  const r = doWait(task, wait4Opts(task, upid, options | WEXITED));
  if (typeof r === 'number' || 'kind' in r) return r;
  if (a.ptr(1) && putUser32(task, a.ptr(1), r.status, 'wait4:status')) return -Errno.EFAULT;
  if (a.ptr(3) && copyToUser(task, a.ptr(3), new Uint8Array(RUSAGE_SIZE), 'wait4:rusage')) return -Errno.EFAULT;
  return r.nr;
}

/** waitid's idtype/id to options, or -errno. */
function waitidOpts(task: Task, which: number, id: number, flags: number): WaitOpts | number {
  const ns = nsOfPid(task.pid);
  switch (which) {
    case P_ALL:
      return { type: 'all', pid: null, flags };
    case P_PID:
      return id <= 0 ? -Errno.EINVAL : { type: 'pid', pid: findPidNs(id, ns), flags };
    case P_PGID:
      if (id < 0) return -Errno.EINVAL;
      return { type: 'pgid', pid: id === 0 ? task.group.pgrp : findPidNs(id, ns), flags };
    case P_PIDFD: {
      const f = task.files.get(id);
      return f instanceof PidfdFile ? { type: 'pid', pid: f.pid, flags } : -Errno.EBADF;
    }
    default:
      return -Errno.EINVAL;
  }
}

/** The siginfo words waitid writes, in order: si_signo, si_errno, si_code @0; si_pid, si_uid, si_status @16. */
function siginfoWords(r: Reaped | null): [Int32Array, Int32Array] {
  if (!r) return [new Int32Array(3), new Int32Array(3)];
  const sig = r.status & 0x7f;
  const code = sig ? CLD_KILLED : CLD_EXITED;
  return [Int32Array.of(SIG.SIGCHLD, 0, code), Int32Array.of(r.nr, 0, sig ? sig : (r.status >> 8) & 0xff)];
}

/** Writes the six siginfo fields (and nothing else of the user's struct); 0 or -EFAULT. */
function putSiginfo(task: Task, infop: number, r: Reaped | null): number {
  const [head, tail] = siginfoWords(r);
  const bad =
    copyToUser(task, infop, new Uint8Array(head.buffer), 'waitid:infop') ||
    copyToUser(task, infop + SIGINFO_PID_OFFSET, new Uint8Array(tail.buffer), 'waitid:infop');
  return bad ? -Errno.EFAULT : 0;
}

/**
 * waitid(idtype, id, infop, options, rusage): 0 and the siginfo (zeroed when WNOHANG finds nothing), or -EINVAL
 * (unknown options, none of WEXITED/WSTOPPED/WCONTINUED, bad idtype, P_PID id <= 0, P_PGID id < 0), -EBADF
 * (P_PIDFD on a non-pidfd), -ECHILD, -EFAULT. As Linux, only si_signo, si_errno, si_code, si_pid,
 * si_uid and si_status are written. Linux: kernel_waitid() + SYSCALL_DEFINE5(waitid).
 */
function sysWaitid(task: Task, a: SyscallArgs): SyscallResult {
  const options = a.int(3) >>> 0;
  const allowed = WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL;
  if (options & ~allowed || !(options & (WEXITED | WSTOPPED | WCONTINUED))) return -Errno.EINVAL;
  const wo = waitidOpts(task, a.int(0), a.int(1), options);
  if (typeof wo === 'number') return wo;
  const r = doWait(task, wo);
  if (typeof r === 'object' && 'kind' in r) return r;
  if (typeof r === 'number' && r < 0) return r;
  if (a.ptr(2) && putSiginfo(task, a.ptr(2), typeof r === 'number' ? null : r)) return -Errno.EFAULT;
  if (a.ptr(4) && copyToUser(task, a.ptr(4), new Uint8Array(RUSAGE_SIZE), 'waitid:rusage')) return -Errno.EFAULT;
  return 0;
}

export const waitSyscalls: SyscallDef[] = [
  { name: 'wait4', fn: sysWait4, support: 'partial', note: 'exits only: no stopped/continued children; rusage zero', args: ['int', 'ptr', { flags: 'wait' }, 'ptr'] },
  { name: 'waitid', fn: sysWaitid, support: 'partial', note: 'exits only; rusage zero', args: ['int', 'int', 'ptr', { flags: 'wait' }, 'ptr'] },
];
