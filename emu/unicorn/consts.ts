// Unicorn 2.1 constants, written once from the headers of the libunicorn-dev 2.1.1 package
// (unicorn/unicorn.h: uc_arch, uc_mode, uc_err, uc_hook_type, uc_mem_type, UC_CTL; unicorn/x86.h: uc_x86_reg,
// uc_x86_insn). The values below were printed by a C program compiled against those headers. Register ids and
// everything used here are the same in 2.0.1.

export const UC_ARCH_X86 = 4;
export const UC_MODE_64 = 8;

export const UC_ERR_OK = 0;
export const UC_ERR_READ_UNMAPPED = 6;
export const UC_ERR_WRITE_UNMAPPED = 7;
export const UC_ERR_FETCH_UNMAPPED = 8;
export const UC_ERR_INSN_INVALID = 10;
export const UC_ERR_WRITE_PROT = 12;
export const UC_ERR_READ_PROT = 13;
export const UC_ERR_FETCH_PROT = 14;
export const UC_ERR_EXCEPTION = 21;

export const UC_HOOK_INTR = 1 << 0;
export const UC_HOOK_INSN = 1 << 1;
/** UC_HOOK_MEM_UNMAPPED + UC_HOOK_MEM_PROT: every invalid access. */
export const UC_HOOK_MEM_INVALID = 1008;
export const UC_HOOK_INSN_INVALID = 1 << 14;

export const UC_MEM_READ_UNMAPPED = 19;
export const UC_MEM_WRITE_UNMAPPED = 20;
export const UC_MEM_FETCH_UNMAPPED = 21;
export const UC_MEM_WRITE_PROT = 22;
export const UC_MEM_READ_PROT = 23;
export const UC_MEM_FETCH_PROT = 24;

/** UC_CTL_WRITE(UC_CTL_TB_FLUSH, 0) and UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2). */
export const UC_CTL_TB_FLUSH_W = 1073741834;
export const UC_CTL_TB_REMOVE_CACHE_W = 1207959561;

export const UC_X86_INS_SYSCALL = 699;

/** uc_x86_reg ids (EFLAGS reads the full RFLAGS in 64-bit mode). */
export const X86_REG = {
  RAX: 35, RBX: 37, RCX: 38, RDX: 40, RSI: 43, RDI: 39, RBP: 36, RSP: 44,
  R8: 106, R9: 107, R10: 108, R11: 109, R12: 110, R13: 111, R14: 112, R15: 113,
  RIP: 41, EFLAGS: 25, CS: 11, SS: 49, DS: 17, ES: 28, FS: 32, GS: 33, FS_BASE: 250, GS_BASE: 251,
} as const;
