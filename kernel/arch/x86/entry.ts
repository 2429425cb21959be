/**
 * The syscall entry path, as arch/x86/entry/entry_64.S and syscall_64.c do_syscall_64() build it: the frame gets
 * orig_rax = the number, rax = -ENOSYS, rcx = the return address and r11 = RFLAGS (what the `syscall` instruction
 * does in hardware, which Unicorn does not); the low 32 bits of the number are sign-extended to an int (5.14+) and
 * dispatched through the table; every other number returns -ENOSYS from sysNiSyscall.
 */
import { Errno } from '../../uapi/errno.js';
import type { Task } from '../../sched/task.js';
import type { SyscallResult } from '../../sched/syscall_control.js';
import { PT, type PtRegs } from './ptregs.js';
import { SyscallArgs } from './syscall_args.js';
import type { SyscallDef } from './syscall_def.js';

/** The result of every number without a handler. Linux: kernel/sys_ni.c sys_ni_syscall(). */
export function sysNiSyscall(): number {
  return -Errno.ENOSYS;
}

/** Length of the `syscall` instruction (0F 05): the return address is the trap address plus this. */
export const SYSCALL_INSN_LEN = 2n;

/**
 * Turns the registers read at the trap into Linux's entry frame. `regs.rip` holds the address of the syscall
 * instruction on input and the return address on output. Linux: entry_SYSCALL_64.
 */
export function buildEntryFrame(regs: PtRegs): void {
  regs[PT.rip] += SYSCALL_INSN_LEN;
  regs[PT.orig_rax] = regs[PT.rax];
  regs[PT.rax] = BigInt.asUintN(64, BigInt(-Errno.ENOSYS));
  regs[PT.rcx] = regs[PT.rip];
  regs[PT.r11] = regs[PT.eflags];
}

/** The syscall number as do_syscall_64 sees it: the low 32 bits of orig_rax as a signed int. */
export function syscallNr(regs: PtRegs): number {
  return Number(BigInt.asIntN(32, regs[PT.orig_rax]));
}

/** Looks the number up and runs its handler. Linux: arch/x86/entry/syscall_64.c do_syscall_64(). */
export function dispatch(table: readonly (SyscallDef | undefined)[], task: Task, regs: PtRegs): SyscallResult {
  const nr = syscallNr(regs);
  const def = nr >= 0 ? table[nr] : undefined;
  return def ? def.fn(task, new SyscallArgs(regs)) : sysNiSyscall();
}

/** A result as the 64-bit value written to rax (two's complement for -errno). */
export function raxValue(result: number | bigint): bigint {
  return BigInt.asUintN(64, typeof result === 'bigint' ? result : BigInt(result));
}
