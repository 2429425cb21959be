/**
 * Task exit: do_exit's steps for one thread, the group exit of exit_group and fatal signals, reparenting of
 * orphans, the death of a pid namespace's init, and release of a reaped task. Spec 4.4, 4.10, 7.1.
 * Linux: kernel/exit.c do_exit(), do_group_exit(), exit_notify(), forget_original_parent(), find_new_reaper(),
 * release_task(); kernel/pid_namespace.c zap_pid_ns_processes().
 */
import { SIG } from './uapi/signal.js';
import { CTRL_EXIT, type SyscallResult } from './sched/syscall_control.js';
import { detachPid, disablePidAllocation, nsOfPid, pidNrNs, PidType } from './pid.js';
import type { PidNamespace } from './pid_namespace.js';
import { putUser32 } from './uaccess.js';
import { childAutoReaped } from './signal_actions.js';
import { notifyPidfd } from './fs/pidfd.js';
import { futexWakeClearTid } from './futex_core.js';
import { exitRobustList } from './futex_robust.js';
import type { Task } from './sched/task.js';
import type { SyscallArgs } from './arch/x86/syscall_args.js';
import type { SyscallDef } from './arch/x86/syscall_def.js';

/** The status wait reports for a dead process: the group's code after exit_group or a fatal signal. */
export function waitStatusOf(leader: Task): number {
  return leader.group.groupExit ? leader.group.groupExitCode : leader.exitCode;
}

/** True once every thread of p's group has exited: only then is a zombie leader reapable. */
export function groupDead(p: Task): boolean {
  return p.group.threads.size === 0;
}

/** Ends the vfork wait of a parent (exit or exec of the child). Linux: mm_release() complete_vfork_done(). */
export function completeVforkDone(task: Task): void {
  const q = task.vforkDone;
  if (!q) return;
  task.vforkDone = null;
  q.wakeAll();
}

/**
 * Releases what the thread holds in memory: its robust futexes, clear_child_tid, vfork, the mm reference.
 * Linux: exit_mm() -> exit_mm_release() (futex_exit_release(), then mm_release()).
 */
function exitMm(task: Task): void {
  exitRobustList(task);
  if (task.clearChildTid && task.mm.users > 1) {
    putUser32(task, task.clearChildTid, 0, 'exit:clear_child_tid');
    futexWakeClearTid(task, task.clearChildTid);
  }
  completeVforkDone(task);
  task.kernel.putMm(task.mm);
}

/** Namespaces whose init is killing the other members: their orphans still go to that (exiting) init. */
const zapping = new Set<PidNamespace>();

/**
 * Who adopts the children of an exiting task: another thread, a child subreaper, else the namespace's init (even
 * while it is exiting and killing the namespace, as find_child_reaper() does; it reaps them all).
 * Linux: find_new_reaper() + find_child_reaper().
 */
function findNewReaper(father: Task): Task {
  for (const t of father.group.threads) if (t !== father) return t;
  const ns = nsOfPid(father.pid);
  for (let p = father.parent; p && nsOfPid(p.pid) === ns; p = p.parent) {
    if (p.group.isChildSubreaper && !p.exited) return p;
  }
  const reaper = ns.childReaper;
  return reaper && (!reaper.exited || zapping.has(ns)) ? reaper : father;
}

/** Hands father's children to a new parent; zombies among them are announced to it. Linux: forget_original_parent(). */
function forgetOriginalParent(father: Task): void {
  if (father.children.size === 0) return;
  const reaper = findNewReaper(father);
  if (reaper === father) return;
  for (const c of [...father.children]) {
    father.children.delete(c);
    c.parent = reaper;
    reaper.children.add(c);
  }
  reaper.group.childExit.wakeAll();
}

/**
 * Tells the parent a process died: wakes its waiters. Returns true when the child must be released at once (the
 * parent ignores SIGCHLD or set SA_NOCLDWAIT). Linux: do_notify_parent(); SIGCHLD handlers never run in sysemu.
 */
function doNotifyParent(p: Task): boolean {
  const parent = p.parent;
  if (!parent) return false;
  parent.group.childExit.wakeAll();
  return childAutoReaped(parent, p);
}

/** Announces the death of the thread or process. Linux: exit_notify() + release of a dead non-leader. */
function exitNotify(task: Task): void {
  forgetOriginalParent(task);
  const leader = task.group.leader;
  if (groupDead(task)) notifyPidfd(leader.pid);
  if (task !== leader) {
    releaseTask(task);
    if (leader.exited && groupDead(leader) && doNotifyParent(leader)) releaseTask(leader);
    return;
  }
  if (groupDead(task) && doNotifyParent(task)) releaseTask(task);
}

/**
 * Kills every other process with a number in ns (its init is dying; their orphans are handed to init), then reaps
 * init's zombie children, which are now every process of the namespace.
 * Linux: zap_pid_ns_processes().
 */
function zapPidNsProcesses(ns: PidNamespace, init: Task): void {
  disablePidAllocation(ns);
  zapping.add(ns);
  for (const t of [...init.kernel.tasks]) {
    if (t.group !== init.group && !t.exited && pidNrNs(t.pid, ns) !== 0) doGroupExit(t, SIG.SIGKILL);
  }
  zapping.delete(ns);
  for (const c of [...init.children]) if (c.exited && groupDead(c)) releaseTask(c);
}

/** Ends one thread with a wait status ((code & 0xff) << 8, or a signal number). Linux: do_exit(). */
export function doExit(task: Task, status: number): void {
  if (task.exited) return;
  const k = task.kernel;
  task.exitCode = status;
  task.state = 'zombie';
  k.runQueue.remove(task);
  task.blockedOn = null;
  task.blockedSyscall = null;
  task.blockedRetry = null;
  exitMm(task);
  k.putFiles(task.files);
  task.group.threads.delete(task);
  const ns = nsOfPid(task.pid);
  const init = ns.childReaper;
  if (init && init.group === task.group && groupDead(task)) zapPidNsProcesses(ns, init);
  exitNotify(task);
  k.onTaskExit(task);
}

/** Ends every thread of the caller's group with one status. Linux: do_group_exit() + zap_other_threads(). */
export function doGroupExit(task: Task, status: number): void {
  const g = task.group;
  if (!g.groupExit) {
    g.groupExit = true;
    g.groupExitCode = status;
  }
  for (const t of [...g.threads]) if (t !== task) doExit(t, SIG.SIGKILL);
  doExit(task, g.groupExitCode);
}

/** Frees a dead task: its pid numbers, its place in its parent's children. Linux: release_task(). */
export function releaseTask(p: Task): void {
  if (p.state === 'dead') return;
  const k = p.kernel;
  p.state = 'dead';
  k.tasks.delete(p);
  p.parent?.children.delete(p);
  k.history.recordExit(p, p === p.group.leader ? waitStatusOf(p) : p.exitCode);
  if (p === p.group.leader) {
    detachPid(p.group.pgrp, PidType.PGID, p);
    detachPid(p.group.session, PidType.SID, p);
    detachPid(p.pid, PidType.TGID, p);
  }
  detachPid(p.pid, PidType.PID, p);
  p.ctx?.free();
  p.ctx = null;
}

function sysExit(task: Task, a: SyscallArgs): SyscallResult {
  doExit(task, (a.int(0) & 0xff) << 8);
  return CTRL_EXIT;
}

function sysExitGroup(task: Task, a: SyscallArgs): SyscallResult {
  doGroupExit(task, (a.int(0) & 0xff) << 8);
  return CTRL_EXIT;
}

export const exitSyscalls: SyscallDef[] = [
  { name: 'exit', fn: sysExit, support: 'full', args: ['int'] },
  { name: 'exit_group', fn: sysExitGroup, support: 'full', args: ['int'] },
];
