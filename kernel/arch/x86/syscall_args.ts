/**
 * Typed access to the six syscall arguments of a frame, decoded by ABI position once (rdi, rsi, rdx, r10, r8, r9),
 * as Linux's SYSCALL_DEFINEn wrappers do. Index i is 0..5.
 */
import { SYSCALL_ARG_SLOTS, type PtRegs } from './ptregs.js';

export class SyscallArgs {
  constructor(public regs: PtRegs) {}

  /** The raw 64-bit register value. */
  u64(i: number): bigint {
    return this.regs[SYSCALL_ARG_SLOTS[i]];
  }

  /** Signed 64-bit (`long`). */
  long(i: number): bigint {
    return BigInt.asIntN(64, this.u64(i));
  }

  /** A user address as a number; values above 2^53 lose precision but stay far above TASK_SIZE_MAX. */
  ptr(i: number): number {
    return Number(this.u64(i));
  }

  /** A `size_t` as a number (same precision note as ptr). */
  size(i: number): number {
    return Number(this.u64(i));
  }

  /** Signed 32-bit (`int`, `pid_t`): the low half, sign-extended. */
  int(i: number): number {
    return Number(BigInt.asIntN(32, this.u64(i)));
  }

  /** Unsigned 32-bit (`unsigned int`, `u32`). */
  uint(i: number): number {
    return Number(BigInt.asUintN(32, this.u64(i)));
  }
}
