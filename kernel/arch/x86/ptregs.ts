/**
 * The x86-64 register frame the kernel sees at syscall entry.
 *
 * Slots 0..20 are `struct pt_regs` in Linux's field order (arch/x86/include/asm/ptrace.h), 8 bytes each, 168 bytes
 * in all. Slots 21 and 22 hold fs_base and gs_base, which Linux keeps in `thread_struct` and exposes after the frame
 * in `struct user_regs_struct` (arch/x86/include/asm/user_64.h). Values are raw 64-bit register contents.
 */
export const PT = {
  r15: 0, r14: 1, r13: 2, r12: 3, rbp: 4, rbx: 5, r11: 6, r10: 7, r9: 8, r8: 9,
  rax: 10, rcx: 11, rdx: 12, rsi: 13, rdi: 14, orig_rax: 15, rip: 16, cs: 17, eflags: 18, rsp: 19, ss: 20,
  fs_base: 21, gs_base: 22,
} as const;

export type PtRegName = keyof typeof PT;

/** Number of slots in a PtRegs (pt_regs + fs_base + gs_base). */
export const PT_NREGS = 23;

/** sizeof(struct pt_regs) on x86-64, in bytes. */
export const SIZEOF_PT_REGS = 168;

/** __USER_CS and __USER_DS: the selectors of a 64-bit user task. */
export const USER_CS = 0x33n;
export const USER_DS = 0x2bn;

/** A register frame: BigUint64Array of PT_NREGS slots indexed by PT. */
export type PtRegs = BigUint64Array;

export function newPtRegs(): PtRegs {
  return new BigUint64Array(PT_NREGS);
}

/** The six syscall argument registers in ABI order: rdi, rsi, rdx, r10, r8, r9. */
export const SYSCALL_ARG_SLOTS = [PT.rdi, PT.rsi, PT.rdx, PT.r10, PT.r8, PT.r9] as const;
