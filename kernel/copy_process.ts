/**
 * copy_process: the checks and the construction of a new task, shared by fork, vfork, clone, clone3 and
 * clone_with_pids. Every fallible step (flag rules, namespace creation, pid allocation, the pidfd) runs before
 * any task state exists, and each failure undoes what the steps before it made: a failed clone leaves no task,
 * no pid and no descriptor behind. Spec 3.4 phase D, 3.5, 4.3. Linux: kernel/fork.c copy_process().
 */
import { Errno } from './uapi/errno.js';
import {
  CLONE_CHILD_CLEARTID, CLONE_DETACHED, CLONE_FILES, CLONE_FS, CLONE_NEWIPC, CLONE_NEWNS, CLONE_NEWPID,
  CLONE_NEWUSER, CLONE_NEW_NS_FLAGS, CLONE_PARENT, CLONE_PIDFD, CLONE_SETTLS, CLONE_SIGHAND, CLONE_SYSVSEM,
  CLONE_THREAD, CLONE_VM, CLONE_INTO_CGROUP, CLONE_CLEAR_SIGHAND,
} from './uapi/sched.js';
import { copySignalState } from './signal_actions.js';
import { TASK_SIZE_MAX } from './uapi/mman.js';
import { PT, type PtRegs } from './arch/x86/ptregs.js';
import { allocPid, allocPidWithPids, attachPid, freePid, nsOfPid, PidType, type Pid } from './pid.js';
import { copyPidNs, type PidNamespace } from './pid_namespace.js';
import { putUser32 } from './uaccess.js';
import { PidfdFile } from './fs/pidfd.js';
import { Task } from './sched/task.js';
import { ThreadGroup } from './sched/thread_group.js';
import type { KernelCloneArgs } from './clone_args.js';
import { testBugs } from './test_bugs.js';

/** Spec 3.4 steps 16-22: flag combinations copy_process refuses (EINVAL), or 0. */
function checkCloneFlags(parent: Task, f: bigint): number {
  if ((f & (CLONE_NEWNS | CLONE_FS)) === (CLONE_NEWNS | CLONE_FS)) return -Errno.EINVAL;
  if ((f & (CLONE_NEWUSER | CLONE_FS)) === (CLONE_NEWUSER | CLONE_FS)) return -Errno.EINVAL;
  if (f & CLONE_THREAD && !(f & CLONE_SIGHAND)) return -Errno.EINVAL;
  if (f & CLONE_SIGHAND && !(f & CLONE_VM)) return -Errno.EINVAL;
  if (f & CLONE_PARENT && parent.group.unkillable) return -Errno.EINVAL;
  if (f & CLONE_THREAD) {
    if (f & (CLONE_NEWUSER | CLONE_NEWPID)) return -Errno.EINVAL;
    if (parent.pidNsForChildren !== nsOfPid(parent.pid)) return -Errno.EINVAL;
  }
  if (f & CLONE_PIDFD && f & CLONE_DETACHED) return -Errno.EINVAL;
  return 0;
}

/**
 * Spec 3.4 steps 25-26: the pid namespace of the child (a new one for CLONE_NEWPID). Namespaces sysemu has no
 * state for (mount, UTS, IPC, network, cgroup, time) need CAP_SYS_ADMIN like any other and otherwise change
 * nothing observable; user namespaces and CLONE_INTO_CGROUP are not modelled: EINVAL.
 */
function childPidNs(parent: Task, f: bigint): PidNamespace | number {
  if (f & (CLONE_NEWUSER | CLONE_INTO_CGROUP)) return -Errno.EINVAL;
  if (!(f & CLONE_NEW_NS_FLAGS)) return parent.pidNsForChildren;
  if (!parent.privileged) return -Errno.EPERM;
  if (f & CLONE_NEWIPC && f & CLONE_SYSVSEM) return -Errno.EINVAL;
  const ns = copyPidNs((f & CLONE_NEWPID) !== 0n, nsOfPid(parent.pid), parent.pidNsForChildren);
  if (typeof ns !== 'number') parent.kernel.pidNamespaces.add(ns); // every namespace, for the leak checks
  return ns;
}

/** Step 28: the child's Pid, by set_tid (clone3) or by per-level numbers (clone_with_pids). */
function childPid(parent: Task, ns: PidNamespace, args: KernelCloneArgs): Pid | number {
  if (args.pidsByLevel) return allocPidWithPids(ns, args.pidsByLevel, parent.kernel.opts.clonePids);
  return allocPid(ns, args.setTid, { capable: () => parent.privileged, validateFirst: parent.kernel.opts.allocPidValidateFirst });
}

/** Step 29: installs a pidfd in the parent and stores its number at args.pidfd; returns the fd or -errno. */
function installPidfd(parent: Task, pid: Pid, args: KernelCloneArgs): number {
  const fd = parent.files.install(new PidfdFile(pid), true);
  if (fd < 0) return fd;
  if (putUser32(parent, args.pidfd, fd, 'clone:pidfd')) {
    if (testBugs.keepPidfdOnFault) return -Errno.EFAULT; // deliberate bug (kernel/test_bugs.ts): fd stays open
    parent.files.close(fd);
    return -Errno.EFAULT;
  }
  return fd;
}

/** The fallible part: returns the child's namespace and Pid, all rolled back on error. */
function reserveChild(parent: Task, args: KernelCloneArgs): { ns: PidNamespace; pid: Pid } | number {
  const f = args.flags;
  const err = checkCloneFlags(parent, f);
  if (err) return err;
  const ns = childPidNs(parent, f);
  if (typeof ns === 'number') return ns;
  if (f & CLONE_SETTLS && args.tls >= BigInt(TASK_SIZE_MAX)) return -Errno.EPERM;
  const pid = childPid(parent, ns, args);
  if (typeof pid === 'number') return pid;
  if (f & CLONE_PIDFD) {
    const fd = installPidfd(parent, pid, args);
    if (fd < 0) {
      // Deliberate bugs for the checker's own tests (kernel/test_bugs.ts): leak the pid, or a half-made task.
      if (testBugs.halfMadeTaskOnPidfdFault) parent.kernel.tasks.add(new Task(parent.kernel, parent.mm, parent.files));
      if (!testBugs.keepPidfdOnFault) freePid(pid);
      return fd;
    }
  }
  return { ns, pid };
}

/** The child's registers: the parent's entry frame with rax 0, the new stack and TLS. Spec 1.7. */
function childRegs(regs: PtRegs, args: KernelCloneArgs): PtRegs {
  const r = regs.slice();
  r[PT.rax] = 0n;
  if (args.stack) r[PT.rsp] = BigInt.asUintN(64, args.stack);
  if (args.flags & CLONE_SETTLS) r[PT.fs_base] = args.tls;
  return r;
}

/** Joins the child to its thread group, or makes it the leader of a new one. Spec 3.5. */
function linkChild(parent: Task, child: Task, args: KernelCloneArgs): void {
  const f = args.flags;
  const pid = child.pid;
  attachPid(pid, PidType.PID, child);
  if (f & CLONE_THREAD) {
    child.group = parent.group;
    child.exitSignal = -1;
    child.parent = parent.parent;
  } else {
    const g = parent.group;
    child.group = new ThreadGroup(child, g.pgrp, g.session);
    attachPid(pid, PidType.TGID, child);
    attachPid(g.pgrp, PidType.PGID, child);
    attachPid(g.session, PidType.SID, child);
    child.exitSignal = f & CLONE_PARENT ? parent.group.leader.exitSignal : args.exitSignal;
    child.parent = f & CLONE_PARENT ? parent.parent : parent;
    child.parent?.children.add(child);
    if (pid.innerNr === 1) {
      pid.ns.childReaper = child;
      child.group.unkillable = true;
    }
  }
  child.group.threads.add(child);
}

/**
 * Creates the child task of `parent` from its syscall frame `regs`. Returns the (queued) child, or -errno with
 * nothing left behind. The caller writes CLONE_PARENT_SETTID. Linux: copy_process() + wake_up_new_task().
 */
export function copyProcess(parent: Task, args: KernelCloneArgs, regs: PtRegs): Task | number {
  const reserved = reserveChild(parent, args);
  if (typeof reserved === 'number') return reserved;
  const k = parent.kernel;
  const f = args.flags;
  const mm = f & CLONE_VM ? parent.mm : parent.mm.dup(k.newCpu());
  if (f & CLONE_VM) mm.users++;
  const files = f & CLONE_FILES ? parent.files : parent.files.dup();
  if (f & CLONE_FILES) files.users++;
  const child = new Task(k, mm, files);
  child.pid = reserved.pid;
  child.pidNsForChildren = reserved.ns;
  child.comm = parent.comm;
  child.exePath = parent.exePath;
  child.privileged = parent.privileged;
  child.makeItFail = parent.makeItFail;
  child.clearChildTid = f & CLONE_CHILD_CLEARTID ? args.childTid : 0;
  child.ctx = parent.mm.cpu.saveContext();
  child.resumeRegs = childRegs(regs, args);
  linkChild(parent, child, args);
  copySignalState(child, parent, !(f & CLONE_THREAD), (f & CLONE_CLEAR_SIGHAND) !== 0n);
  k.tasks.add(child);
  k.history.record(child);
  k.runQueue.enqueue(child);
  return child;
}
