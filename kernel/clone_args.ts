/**
 * clone3's argument handling: copying `struct clone_args` from user memory with the size rules, the sanity checks
 * on set_tid and exit_signal, the copy of the set_tid array, and clone3_args_valid(). Spec 3.3-3.4 phases A-B.
 * Linux: kernel/fork.c copy_clone_args_from_user(), clone3_stack_valid(), clone3_args_valid().
 */
import { Errno } from './uapi/errno.js';
import { _NSIG } from './uapi/signal.js';
import {
  CLONE_ARGS_SIZE_VER0, CLONE_ARGS_SIZE_VER2, CLONE_CLEAR_SIGHAND, CLONE_DETACHED, CLONE_INTO_CGROUP,
  CLONE_LEGACY_FLAGS, CLONE_NEWTIME, CLONE_PARENT, CLONE_SIGHAND, CLONE_THREAD, CSIGNAL, decodeCloneArgs,
} from './uapi/sched.js';
import { MAX_PID_NS_LEVEL } from './pid_namespace.js';
import { accessOk, copyFromUser, copyStructFromUser } from './uaccess.js';
import { PAGE_SIZE } from './uapi/mman.js';
import type { Task } from './sched/task.js';

/** What every clone entry point hands kernelClone. Linux: struct kernel_clone_args. */
export interface KernelCloneArgs {
  /** CLONE_* flags without the exit signal (64-bit). */
  flags: bigint;
  /** User addresses (bytes): where the pidfd, the child's tid and the parent's copy of it go. */
  pidfd: number;
  childTid: number;
  parentTid: number;
  /** Signal for the parent at the child's death (0 = none); not validated on the legacy path. */
  exitSignal: number;
  /** Initial stack pointer of the child (0 = the parent's rsp); clone3 passes stack + stack_size. */
  stack: bigint;
  stackSize: bigint;
  tls: bigint;
  /** clone3 set_tid: setTid[0] is the number in the child's own namespace. */
  setTid: number[];
  cgroup: number;
  /** clone_with_pids: the number wanted per level, index = level (0 = automatic); replaces setTid. */
  pidsByLevel?: number[];
}

/** Bytes of the kernel's `struct clone_args` (VER2). */
const KSIZE = CLONE_ARGS_SIZE_VER2;

/**
 * Copies and checks clone3's arguments (spec 3.4 steps 1-9). Returns the kernel args, or:
 * -E2BIG usize > PAGE_SIZE or non-zero bytes past 88; -EINVAL usize < 64, set_tid/set_tid_size inconsistent or
 * > 32, bad exit_signal, CLONE_INTO_CGROUP with cgroup > INT_MAX or usize < 88; -EFAULT a fault reading either
 * the struct (site `clone3:clone_args`) or the set_tid array (site `clone3:set_tid`).
 */
export function copyCloneArgsFromUser(task: Task, uargs: number, usize: number): KernelCloneArgs | number {
  if (usize > PAGE_SIZE) return -Errno.E2BIG;
  if (usize < CLONE_ARGS_SIZE_VER0) return -Errno.EINVAL;
  const raw = new Uint8Array(KSIZE);
  const err = copyStructFromUser(task, raw, uargs, usize, 'clone3:clone_args');
  if (err) return err;
  const a = decodeCloneArgs(raw);
  if (a.set_tid_size > BigInt(MAX_PID_NS_LEVEL)) return -Errno.EINVAL;
  if (a.set_tid === 0n && a.set_tid_size > 0n) return -Errno.EINVAL;
  if (a.set_tid !== 0n && a.set_tid_size === 0n) return -Errno.EINVAL;
  if (a.exit_signal & ~CSIGNAL || a.exit_signal > BigInt(_NSIG)) return -Errno.EINVAL;
  if (a.flags & CLONE_INTO_CGROUP && (a.cgroup > 0x7fffffffn || usize < CLONE_ARGS_SIZE_VER2)) return -Errno.EINVAL;
  const setTid = copySetTid(task, a.set_tid, Number(a.set_tid_size));
  if (typeof setTid === 'number') return setTid;
  return {
    flags: a.flags, pidfd: Number(a.pidfd), childTid: Number(a.child_tid), parentTid: Number(a.parent_tid),
    exitSignal: Number(a.exit_signal), stack: a.stack, stackSize: a.stack_size, tls: a.tls, setTid,
    cgroup: Number(a.cgroup),
  };
}

/** The set_tid array (pid_t, 4 bytes each), or -EFAULT. */
function copySetTid(task: Task, addr: bigint, n: number): number[] | number {
  if (n === 0) return [];
  const buf = new Uint8Array(n * 4);
  if (copyFromUser(task, buf, Number(addr), 'clone3:set_tid')) return -Errno.EFAULT;
  return Array.from(new Int32Array(buf.buffer));
}

/**
 * clone3's stack rules: both zero (keep the parent's stack) or both non-zero with [stack, stack+size) inside user
 * space; on success args.stack becomes the initial stack pointer (stack + size). Linux: clone3_stack_valid().
 */
export function clone3StackValid(args: KernelCloneArgs): boolean {
  if (args.stack === 0n) return args.stackSize === 0n;
  if (args.stackSize === 0n) return false;
  if (args.stack + args.stackSize > BigInt(Number.MAX_SAFE_INTEGER)) return false;
  if (!accessOk(Number(args.stack), Number(args.stackSize))) return false;
  args.stack += args.stackSize;
  return true;
}

/** Spec 3.4 phase B (every failure is EINVAL). Linux: clone3_args_valid(). */
export function clone3ArgsValid(args: KernelCloneArgs): boolean {
  const f = args.flags;
  if (f & ~(CLONE_LEGACY_FLAGS | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP)) return false;
  if (f & (CLONE_DETACHED | (CSIGNAL & ~CLONE_NEWTIME))) return false;
  if (f & CLONE_SIGHAND && f & CLONE_CLEAR_SIGHAND) return false;
  if (f & (CLONE_THREAD | CLONE_PARENT) && args.exitSignal) return false;
  return clone3StackValid(args);
}
