/**
 * clone_with_pids(flags_low, cargs, args_size, pids): the v11 checkpoint/restart proposal (Nov 2009, never
 * merged) that chooses the child's pid at every namespace level. Its `struct clone_args` is the 56-byte v11 layout
 * and `pids` is outermost first (the last entry is the caller's own namespace). The syscall number is an option
 * (Kernel opts.cloneWithPidsNr). Spec 5 and 9.8. Linux: the v11 patches' sys_clone_with_pids() and
 * copy_target_pids().
 */
import { Errno } from './uapi/errno.js';
import { CSIGNAL } from './uapi/sched.js';
import { PT } from './arch/x86/ptregs.js';
import { clonePidsToLevels, nsOfPid } from './pid.js';
import { copyFromUser } from './uaccess.js';
import { emptyCloneArgs, kernelClone } from './fork.js';
import type { Task } from './sched/task.js';
import type { SyscallArgs } from './arch/x86/syscall_args.js';
import type { SyscallDef } from './arch/x86/syscall_def.js';
import type { SyscallResult } from './sched/syscall_control.js';

/** sizeof(struct clone_args) in v11, in bytes, and its field offsets. */
export const CWP_ARGS_SIZE = 56;
export const CWP_ARGS = {
  clone_flags_high: 0, child_stack_base: 8, child_stack_size: 16, parent_tid_ptr: 24, child_tid_ptr: 32,
  nr_pids: 40, reserved0: 44, reserved1: 48,
} as const;

interface CwpArgs {
  high: bigint;
  stackBase: bigint;
  stackSize: bigint;
  parentTid: number;
  childTid: number;
  nrPids: number;
  reserved0: number;
  reserved1: bigint;
}

function decode(b: Uint8Array): CwpArgs {
  const v = new DataView(b.buffer);
  return {
    high: v.getBigUint64(CWP_ARGS.clone_flags_high, true),
    stackBase: v.getBigUint64(CWP_ARGS.child_stack_base, true),
    stackSize: v.getBigUint64(CWP_ARGS.child_stack_size, true),
    parentTid: Number(v.getBigUint64(CWP_ARGS.parent_tid_ptr, true)),
    childTid: Number(v.getBigUint64(CWP_ARGS.child_tid_ptr, true)),
    nrPids: v.getUint32(CWP_ARGS.nr_pids, true),
    reserved0: v.getUint32(CWP_ARGS.reserved0, true),
    reserved1: v.getBigUint64(CWP_ARGS.reserved1, true),
  };
}

/** The per-level pid array from the user's outermost-first list, or -EINVAL / -EFAULT / -EPERM (spec 5.2 7-8). */
function copyTargetPids(task: Task, upids: number, nr: number): number[] | number | undefined {
  if (nr === 0) return undefined;
  const level = nsOfPid(task.pid).level;
  if (nr > level + 1) return -Errno.EINVAL;
  const buf = new Uint8Array(nr * 4);
  if (copyFromUser(task, buf, upids, 'clone_with_pids:pids')) return -Errno.EFAULT;
  if (!task.privileged) return -Errno.EPERM;
  return clonePidsToLevels(Array.from(new Int32Array(buf.buffer)), level);
}

/**
 * Returns the child's number in the caller's namespace, or -EINVAL (args_size != 56, non-zero high flags or
 * reserved fields, too many pids, a pid >= pid_max or < 0), -EFAULT (cargs or pids unreadable), -EPERM (pids
 * without CAP_SYS_ADMIN), -EBUSY (a chosen pid is taken, or a level is full), or copy_process's errors.
 * CLONE_SETTLS takes the TLS value from r8, as the 2.6.32 x86-64 code did.
 */
function sysCloneWithPids(task: Task, a: SyscallArgs): SyscallResult {
  if (a.int(2) !== CWP_ARGS_SIZE) return -Errno.EINVAL;
  const raw = new Uint8Array(CWP_ARGS_SIZE);
  if (copyFromUser(task, raw, a.ptr(1), 'clone_with_pids:clone_args')) return -Errno.EFAULT;
  const c = decode(raw);
  if (c.high !== 0n || c.reserved0 !== 0 || c.reserved1 !== 0n) return -Errno.EINVAL;
  const levels = copyTargetPids(task, a.ptr(3), c.nrPids);
  if (typeof levels === 'number') return levels;
  const low = BigInt(a.uint(0));
  return kernelClone(task, {
    ...emptyCloneArgs(), flags: low & ~CSIGNAL, exitSignal: Number(low & CSIGNAL),
    stack: BigInt.asUintN(64, c.stackBase + c.stackSize), parentTid: c.parentTid, pidfd: c.parentTid,
    childTid: c.childTid, tls: a.regs[PT.r8], pidsByLevel: levels,
  }, a.regs);
}

export const cloneWithPidsDef: SyscallDef = {
  name: 'clone_with_pids', fn: sysCloneWithPids, support: 'full', fullFrame: true,
  note: 'v11 proposal (2009), never merged; number set by --clone-with-pids-nr',
  args: [{ flags: 'clone' }, 'ptr', 'int', 'ptr'],
};
