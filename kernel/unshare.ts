/**
 * unshare(flags): a task leaves shared state or namespaces. sysemu models the pid namespace (its next child starts
 * a new one: pid_ns_for_children changes, its own pids do not) and the file table; namespaces with no state in
 * sysemu need CAP_SYS_ADMIN and otherwise change nothing; user namespaces are not modelled (EINVAL).
 * Spec 4.7. Linux: kernel/fork.c ksys_unshare(), check_unshare_flags(), unshare_nsproxy_namespaces().
 */
import { Errno } from './uapi/errno.js';
import {
  CLONE_FILES, CLONE_FS, CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWTIME,
  CLONE_NEWUSER, CLONE_NEWUTS, CLONE_NEW_NS_FLAGS, CLONE_SIGHAND, CLONE_SYSVSEM, CLONE_THREAD, CLONE_VM,
} from './uapi/sched.js';
import { copyPidNs } from './pid_namespace.js';
import { nsOfPid } from './pid.js';
import type { Task } from './sched/task.js';
import type { SyscallArgs } from './arch/x86/syscall_args.js';
import type { SyscallDef } from './arch/x86/syscall_def.js';

const UNSHARE_ALLOWED =
  CLONE_THREAD | CLONE_FS | CLONE_NEWNS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES | CLONE_SYSVSEM | CLONE_NEWUTS |
  CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWCGROUP | CLONE_NEWTIME;

/** The implied flags Linux adds before checking. */
function impliedFlags(f: bigint): bigint {
  if (f & CLONE_NEWUSER) f |= CLONE_THREAD | CLONE_FS;
  if (f & CLONE_VM) f |= CLONE_SIGHAND;
  if (f & CLONE_SIGHAND) f |= CLONE_THREAD;
  if (f & CLONE_NEWNS) f |= CLONE_FS;
  return f;
}

/** -EINVAL for unknown flags, or for leaving thread/VM sharing while other threads or mm users exist. */
function checkUnshareFlags(task: Task, f: bigint): number {
  if (f & ~UNSHARE_ALLOWED) return -Errno.EINVAL;
  if (f & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM) && task.group.threads.size > 1) return -Errno.EINVAL;
  if (f & CLONE_VM && task.mm.users > 1) return -Errno.EINVAL;
  return 0;
}

/** unshare(flags): 0, -EINVAL, -EPERM (a namespace without CAP_SYS_ADMIN), -ENOSPC (pid namespace depth). */
function sysUnshare(task: Task, a: SyscallArgs): number {
  const f = impliedFlags(BigInt(a.uint(0)));
  const err = checkUnshareFlags(task, f);
  if (err) return err;
  if (f & CLONE_NEWUSER) return -Errno.EINVAL;
  if (f & CLONE_NEW_NS_FLAGS) {
    if (!task.privileged) return -Errno.EPERM;
    const ns = copyPidNs((f & CLONE_NEWPID) !== 0n, nsOfPid(task.pid), task.pidNsForChildren);
    if (typeof ns === 'number') return ns;
    task.kernel.pidNamespaces.add(ns); // every namespace, for the leak checks
    task.pidNsForChildren = ns;
  }
  if (f & CLONE_FILES) task.files = task.kernel.unshareFiles(task.files);
  return 0;
}

export const unshareSyscalls: SyscallDef[] = [
  { name: 'unshare', fn: sysUnshare, support: 'partial', note: 'pid namespaces and files; no user namespaces', args: [{ flags: 'clone' }] },
];
