/**
 * Process ids as the caller sees them, and process groups and sessions: getpid, getppid, gettid, getpgid, getpgrp,
 * getsid, setpgid, setsid. Every number is translated into the caller's active pid namespace (0 when the task it
 * names is outside). Spec 4.9. Linux: kernel/sys.c, kernel/pid.c task_*_nr_ns().
 */
import { Errno } from './uapi/errno.js';
import { attachPid, detachPid, findPidNs, nsOfPid, pidNrNs, pidTask, PidType, type Pid } from './pid.js';
import type { Task } from './sched/task.js';
import type { SyscallArgs } from './arch/x86/syscall_args.js';
import type { SyscallDef } from './arch/x86/syscall_def.js';

/** pid as seen from task's active namespace. Linux: pid_vnr(). */
export function vnr(task: Task, pid: Pid | null): number {
  return pidNrNs(pid, nsOfPid(task.pid));
}

/** The thread-group leader of the process numbered nr in task's namespace, or null. Linux: find_task_by_vpid(). */
export function findProcessByVpid(task: Task, nr: number): Task | null {
  const pid = findPidNs(nr, nsOfPid(task.pid));
  return pidTask(pid, PidType.TGID) ?? null;
}

/** The parent's process id, 0 when the parent is outside the caller's namespace. Linux: sys_getppid(). */
export function ppidOf(task: Task): number {
  const parent = task.group.leader.parent;
  return parent ? vnr(task, parent.tgid) : 0;
}

/** The process named by nr (0 = the caller), or -ESRCH. */
function target(task: Task, nr: number): Task | number {
  if (nr === 0) return task.group.leader;
  return findProcessByVpid(task, nr) ?? -Errno.ESRCH;
}

function sysGetpgid(task: Task, a: SyscallArgs): number {
  const t = target(task, a.int(0));
  return typeof t === 'number' ? t : vnr(task, t.group.pgrp);
}

function sysGetsid(task: Task, a: SyscallArgs): number {
  const t = target(task, a.int(0));
  return typeof t === 'number' ? t : vnr(task, t.group.session);
}

/** Moves a process to another process group (updates the PGID user list). */
function changePgrp(p: Task, pgrp: Pid): void {
  detachPid(p.group.pgrp, PidType.PGID, p);
  attachPid(pgrp, PidType.PGID, p);
  p.group.pgrp = pgrp;
}

/**
 * setpgid(pid, pgid): -EINVAL pgid < 0; -ESRCH pid is neither the caller nor its child; -EPERM a session leader,
 * a child in another session, or a group in another session. Linux: kernel/sys.c sys_setpgid() (no exec check).
 */
function sysSetpgid(task: Task, a: SyscallArgs): number {
  const pgidNr = a.int(1);
  if (pgidNr < 0) return -Errno.EINVAL;
  const p = target(task, a.int(0));
  if (typeof p === 'number') return p;
  const me = task.group.leader;
  if (p !== me && p.parent?.group !== task.group) return -Errno.ESRCH;
  if (p.group.session === p.pid) return -Errno.EPERM;
  if (p.group.session !== me.group.session) return -Errno.EPERM;
  const want = pgidNr === 0 ? p.pid : findPidNs(pgidNr, nsOfPid(task.pid));
  if (!want) return -Errno.EPERM;
  if (want !== p.pid && !want.users(PidType.PGID).some((t) => t.group.session === me.group.session)) return -Errno.EPERM;
  if (want !== p.group.pgrp) changePgrp(p, want);
  return 0;
}

/** setsid(): a new session and group led by the caller, or -EPERM when it already leads a group. */
function sysSetsid(task: Task): number {
  const me = task.group.leader;
  if (findPidNs(vnr(task, me.pid), nsOfPid(task.pid))?.users(PidType.PGID).length) return -Errno.EPERM;
  changePgrp(me, me.pid);
  detachPid(me.group.session, PidType.SID, me);
  attachPid(me.pid, PidType.SID, me);
  me.group.session = me.pid;
  return vnr(task, me.pid);
}

export const idSyscalls: SyscallDef[] = [
  { name: 'getpid', fn: (t) => vnr(t, t.tgid), support: 'full', args: [] },
  { name: 'gettid', fn: (t) => vnr(t, t.pid), support: 'full', args: [] },
  { name: 'getppid', fn: ppidOf, support: 'full', args: [] },
  { name: 'getpgid', fn: sysGetpgid, support: 'full', args: ['int'] },
  { name: 'getpgrp', fn: (t) => vnr(t, t.group.pgrp), support: 'full', args: [] },
  { name: 'getsid', fn: sysGetsid, support: 'full', args: ['int'] },
  { name: 'setpgid', fn: sysSetpgid, support: 'full', args: ['int', 'int'] },
  { name: 'setsid', fn: sysSetsid, support: 'full', args: [] },
];
