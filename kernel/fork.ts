/**
 * The clone family's entry points: fork, vfork, clone, clone3 (and clone_with_pids in its own file) each build a
 * KernelCloneArgs and call kernelClone. Spec 3.4 phase C and E, 3.6. Linux: kernel/fork.c kernel_clone(),
 * sys_fork(), sys_vfork(), sys_clone(), sys_clone3().
 */
import { Errno } from './uapi/errno.js';
import { SIG } from './uapi/signal.js';
import { CLONE_CHILD_SETTID, CLONE_PARENT_SETTID, CLONE_PIDFD, CLONE_VFORK, CLONE_VM, CSIGNAL } from './uapi/sched.js';
import { clone3ArgsValid, copyCloneArgsFromUser, type KernelCloneArgs } from './clone_args.js';
import { copyProcess } from './copy_process.js';
import { pidNrNs, nsOfPid } from './pid.js';
import { putUser32 } from './uaccess.js';
import { WaitQueue } from './sched/wait_queue.js';
import type { Task } from './sched/task.js';
import type { PtRegs } from './arch/x86/ptregs.js';
import type { SyscallArgs } from './arch/x86/syscall_args.js';
import type { SyscallDef } from './arch/x86/syscall_def.js';
import { block, type SyscallResult } from './sched/syscall_control.js';

/** Args with every field zero, for the entry points to fill. */
export function emptyCloneArgs(): KernelCloneArgs {
  return {
    flags: 0n, pidfd: 0, childTid: 0, parentTid: 0, exitSignal: 0, stack: 0n, stackSize: 0n, tls: 0n, setTid: [],
    cgroup: 0,
  };
}

/** A vfork parent sleeps until the child exits or execs (its vforkDone is then null), then returns nr. */
function waitForVforkDone(parent: Task, child: Task, nr: number): SyscallResult {
  const done = child.vforkDone!;
  parent.blockedRetry = () => (child.vforkDone === null ? nr : block(done));
  return block(done);
}

/**
 * Creates a child per args from the caller's syscall frame `regs`. Returns the child's number in the caller's pid
 * namespace, or -EINVAL when CLONE_PIDFD and CLONE_PARENT_SETTID name the same address (always so for legacy
 * clone), or copy_process's errors. Linux: kernel/fork.c kernel_clone().
 */
export function kernelClone(task: Task, args: KernelCloneArgs, regs: PtRegs): SyscallResult {
  const f = args.flags;
  if (f & CLONE_PIDFD && f & CLONE_PARENT_SETTID && args.pidfd === args.parentTid) return -Errno.EINVAL;
  const child = copyProcess(task, args, regs);
  if (typeof child === 'number') return child;
  const nr = pidNrNs(child.pid, nsOfPid(task.pid));
  if (f & CLONE_PARENT_SETTID) putUser32(task, args.parentTid, nr, 'clone:parent_tid');
  if (f & CLONE_CHILD_SETTID) putUser32(child, args.childTid, child.pid.innerNr, 'clone:child_tid');
  if (!(f & CLONE_VFORK)) return nr;
  child.vforkDone = new WaitQueue();
  return waitForVforkDone(task, child, nr);
}

function sysFork(task: Task, a: SyscallArgs): SyscallResult {
  return kernelClone(task, { ...emptyCloneArgs(), exitSignal: SIG.SIGCHLD }, a.regs);
}

function sysVfork(task: Task, a: SyscallArgs): SyscallResult {
  return kernelClone(task, { ...emptyCloneArgs(), flags: CLONE_VFORK | CLONE_VM, exitSignal: SIG.SIGCHLD }, a.regs);
}

/**
 * clone(flags, newsp, parent_tid, child_tid, tls) in x86-64 order. Only the low 32 bits of flags count; the low
 * byte is the exit signal, unchecked; pidfd goes to parent_tid. Linux: SYSCALL_DEFINE5(clone).
 */
function sysClone(task: Task, a: SyscallArgs): SyscallResult {
  const low = BigInt(a.uint(0));
  return kernelClone(task, {
    ...emptyCloneArgs(), flags: low & ~CSIGNAL, exitSignal: Number(low & CSIGNAL), stack: a.u64(1),
    parentTid: a.ptr(2), pidfd: a.ptr(2), childTid: a.ptr(3), tls: a.u64(4),
  }, a.regs);
}

/** clone3(uargs, size). Linux: SYSCALL_DEFINE2(clone3). */
function sysClone3(task: Task, a: SyscallArgs): SyscallResult {
  const args = copyCloneArgsFromUser(task, a.ptr(0), a.size(1));
  if (typeof args === 'number') return args;
  if (!clone3ArgsValid(args)) return -Errno.EINVAL;
  return kernelClone(task, args, a.regs);
}

export const forkSyscalls: SyscallDef[] = [
  { name: 'clone', fn: sysClone, support: 'full', fullFrame: true, args: [{ flags: 'clone' }, 'ptr', 'ptr', 'ptr', 'hex'] },
  { name: 'fork', fn: sysFork, support: 'full', fullFrame: true, args: [] },
  { name: 'vfork', fn: sysVfork, support: 'full', fullFrame: true, args: [] },
  { name: 'clone3', fn: sysClone3, support: 'full', fullFrame: true, args: ['ptr', 'ulong'] },
];
