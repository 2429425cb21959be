/**
 * Signals, as far as sysemu models them: kill, tkill and tgkill with signal 0 (existence and permission), the
 * default action of every signal (fatal ones end the target's thread group, ignored ones do nothing), and the
 * synchronous faults of the CPU. Handlers are not run: a signal whose target installed a handler is accepted and
 * dropped (rt_sigaction's note says so). A namespace init ignores fatal signals sent from inside its namespace.
 * Linux: kernel/signal.c kill_pid_info(), do_tkill(), sig_task_ignored(), force_sig_fault().
 */
import { Errno } from './uapi/errno.js';
import { SIG, _NSIG } from './uapi/signal.js';
import { doGroupExit } from './exit.js';
import { findPidNs, nsOfPid, pidTask, PidType } from './pid.js';
import { isAncestorOrSelf } from './pid_namespace.js';
import { findProcessByVpid } from './sys_ids.js';
import { dispositionOf } from './signal_actions.js';
import type { Task } from './sched/task.js';
import type { SyscallArgs } from './arch/x86/syscall_args.js';
import type { SyscallDef } from './arch/x86/syscall_def.js';

/** Details of the last fatal fault, for the one-line report of the CLI. */
export interface FatalFault {
  signo: number;
  address: number;
  rip: bigint;
}

/** Signals whose default action is to do nothing (Linux SIG_KERNEL_IGNORE_MASK) or to stop/continue. */
const DEFAULT_IGNORED = new Set<number>([SIG.SIGCHLD, SIG.SIGURG, SIG.SIGWINCH, SIG.SIGCONT]);
const STOP_SIGNALS = new Set<number>([SIG.SIGSTOP, SIG.SIGTSTP, SIG.SIGTTIN, SIG.SIGTTOU]);


/**
 * Delivers sig to target's thread group as the default action would, from sender. Linux: send_signal() as it ends
 * for a process with no handler: complete_signal() -> do_group_exit for fatal signals.
 */
export function sendSignal(sender: Task | null, target: Task, sig: number): void {
  if (sig === 0 || target.exited) return;
  const disp = sig === SIG.SIGKILL || sig === SIG.SIGSTOP ? 'default' : dispositionOf(target, sig);
  if (disp !== 'default' || DEFAULT_IGNORED.has(sig) || STOP_SIGNALS.has(sig)) return;
  if (target.group.unkillable && sender && !fromAncestorNs(sender, target)) return;
  doGroupExit(target, sig);
}

/** True when sender's namespace is a proper ancestor of target's (so it may kill a namespace init). */
function fromAncestorNs(sender: Task, target: Task): boolean {
  const s = nsOfPid(sender.pid);
  const t = nsOfPid(target.pid);
  return s !== t && isAncestorOrSelf(s, t);
}

/** A synchronous CPU fault the guest cannot handle: its thread group dies with signo. Linux: force_sig_fault(). */
export function forceSigFatal(task: Task, signo: number, address: number, rip = 0n): void {
  task.kernel.lastFatalFault = { signo, address, rip };
  doGroupExit(task, signo);
}

function validSignal(sig: number): boolean {
  return sig >= 0 && sig <= _NSIG;
}

/** Every process kill(-1) reaches: all in the caller's namespace but its init and the caller's own group. */
function killAllTargets(task: Task): Task[] {
  const ns = nsOfPid(task.pid);
  return [...task.kernel.tasks].filter(
    (t) => t === t.group.leader && !t.exited && t.group !== task.group && isAncestorOrSelf(ns, nsOfPid(t.pid)) && t !== ns.childReaper,
  );
}

/** The targets of kill(pid): a process, a process group, or everything. */
function killTargets(task: Task, pid: number): Task[] | number {
  if (pid > 0) {
    const t = findProcessByVpid(task, pid);
    return t ? [t] : -Errno.ESRCH;
  }
  if (pid === -1) return killAllTargets(task);
  const pgrp = pid === 0 ? task.group.pgrp : findPidNs(-pid, nsOfPid(task.pid));
  const members = pgrp ? pgrp.users(PidType.PGID).filter((t) => !t.exited) : [];
  return members.length ? members : -Errno.ESRCH;
}

/** kill(pid, sig): 0, -EINVAL (bad signal), -ESRCH (no such process or group). Linux: kill_something_info(). */
function sysKill(task: Task, a: SyscallArgs): number {
  const sig = a.int(1);
  if (!validSignal(sig)) return -Errno.EINVAL;
  const pid = a.int(0);
  if (pid === -0x80000000) return -Errno.ESRCH;
  const targets = killTargets(task, pid);
  if (typeof targets === 'number') return targets;
  if (pid === -1 && targets.length === 0) return -Errno.ESRCH;
  for (const t of targets) sendSignal(task, t, sig);
  return 0;
}

/** The thread tid in the caller's namespace, if it belongs to process tgid (tgid <= 0 = any). */
function findThread(task: Task, tgid: number, tid: number): Task | null {
  const t = pidTask(findPidNs(tid, nsOfPid(task.pid)), PidType.PID);
  if (!t || t.exited) return null;
  if (tgid > 0 && findProcessByVpid(task, tgid)?.group !== t.group) return null;
  return t;
}

/** tgkill(tgid, tid, sig) and tkill(tid, sig): -EINVAL for ids <= 0 or a bad signal, -ESRCH. Linux: do_tkill(). */
function doTkill(task: Task, tgid: number, tid: number, sig: number): number {
  if (tid <= 0 || (tgid !== -1 && tgid <= 0) || !validSignal(sig)) return -Errno.EINVAL;
  const t = findThread(task, tgid, tid);
  if (!t) return -Errno.ESRCH;
  sendSignal(task, t, sig);
  return 0;
}

export const signalSyscalls: SyscallDef[] = [
  { name: 'kill', fn: sysKill, support: 'partial', note: 'default actions only; handlers never run', args: ['int', { sym: 'signal' }] },
  { name: 'tkill', fn: (t, a) => doTkill(t, -1, a.int(0), a.int(1)), support: 'partial', note: 'default actions only', args: ['int', { sym: 'signal' }] },
  { name: 'tgkill', fn: (t, a) => doTkill(t, a.int(0), a.int(1), a.int(2)), support: 'partial', note: 'default actions only', args: ['int', 'int', { sym: 'signal' }] },
];
