/**
 * arch_prctl: the x86-64 thread-pointer registers (FS and GS bases) and a few architecture queries.
 * Linux: arch/x86/kernel/process_64.c do_arch_prctl_64(), arch/x86/kernel/process.c do_arch_prctl_common().
 */
import { Errno } from '../../uapi/errno.js';
import { TASK_SIZE_MAX } from '../../uapi/mman.js';
import { putUser64 } from '../../uaccess.js';
import type { Task } from '../../sched/task.js';
import { newPtRegs, PT, type PtRegs } from './ptregs.js';
import type { SyscallArgs } from './syscall_args.js';
import type { SyscallDef } from './syscall_def.js';

export const ARCH_SET_GS = 0x1001;
export const ARCH_SET_FS = 0x1002;
export const ARCH_GET_FS = 0x1003;
export const ARCH_GET_GS = 0x1004;
export const ARCH_GET_CPUID = 0x1011;
export const ARCH_SET_CPUID = 0x1012;
/** Old glibc (2.28-2.38) asks this CET code, which mainline never merged: EINVAL. */
export const ARCH_CET_STATUS = 0x3001;

type BaseSlot = typeof PT.fs_base | typeof PT.gs_base;

/**
 * Sets an FS/GS base for the task. The syscall frame is not written back to the CPU (only rax, rcx and r11 are),
 * so a running task gets the new base on its live registers (read whole, changed, written whole; arch_prctl is rare).
 * A task that is not on the CPU (a re-run blocked call) gets it in frame, which becomes its resume registers.
 * Linux: x86_fsbase_write_task() / x86_gsbase_write_task().
 */
export function writeSegmentBase(task: Task, frame: PtRegs, slot: BaseSlot, value: bigint): void {
  frame[slot] = value;
  if (task.state !== 'running') return;
  const live = newPtRegs();
  task.mm.cpu.readRegs(live);
  live[slot] = value;
  task.mm.cpu.writeRegs(live);
}

/**
 * arch_prctl(option, arg2): SET_FS / SET_GS (EPERM for a base at or above TASK_SIZE_MAX), GET_FS / GET_GS (the base
 * stored at arg2, EFAULT), GET_CPUID (1: cpuid works), SET_CPUID (ENODEV: no CPUID faulting, as on the reference
 * machine), EINVAL for every other option (ARCH_CET_STATUS included).
 */
export function sysArchPrctl(task: Task, a: SyscallArgs): number {
  const option = a.int(0);
  const arg2 = a.u64(1);
  switch (option) {
    case ARCH_SET_FS:
    case ARCH_SET_GS:
      if (arg2 >= BigInt(TASK_SIZE_MAX)) return -Errno.EPERM;
      writeSegmentBase(task, a.regs, option === ARCH_SET_FS ? PT.fs_base : PT.gs_base, arg2);
      return 0;
    case ARCH_GET_FS:
      return putUser64(task, a.ptr(1), a.regs[PT.fs_base], 'arch_prctl:addr');
    case ARCH_GET_GS:
      return putUser64(task, a.ptr(1), a.regs[PT.gs_base], 'arch_prctl:addr');
    case ARCH_GET_CPUID:
      return 1;
    case ARCH_SET_CPUID:
      return -Errno.ENODEV;
    default:
      return -Errno.EINVAL;
  }
}

export const processSyscalls: SyscallDef[] = [
  {
    name: 'arch_prctl',
    fullFrame: true,
    fn: sysArchPrctl,
    support: 'partial',
    note: 'FS/GS bases and GET_CPUID; no XCOMP, VDSO or shadow-stack codes',
    args: [{ sym: 'arch_prctl' }, 'hex'],
  },
];
