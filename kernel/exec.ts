/**
 * Starting a new program image in a task: a fresh MmStruct (and CPU), the ELF loaded, the stack laid out, and the
 * registers of a new process (rip = entry, rsp = argc, everything else 0, RFLAGS = IF). Linux: fs/exec.c
 * begin_new_exec() + fs/binfmt_elf.c load_elf_binary() + arch/x86/kernel/process_64.c start_thread().
 */
import { PT, USER_CS, USER_DS, newPtRegs, type PtRegs } from './arch/x86/ptregs.js';
import { MmStruct } from './mm/mm_struct.js';
import { loadElfBinary } from './fs/binfmt_elf.js';
import { buildExecStack } from './fs/exec_stack.js';
import type { ElfImage } from './fs/elf.js';
import type { Kernel } from './kernel.js';
import { Errno } from './uapi/errno.js';

/** RFLAGS of a new user thread: IF, plus the always-one bit 1. */
export const INIT_RFLAGS = 0x202n;

export interface ExecRequest {
  image: ElfImage;
  argv: string[];
  envp: string[];
  /** The path the program was started as (AT_EXECFN). */
  execfn: string;
  /** The absolute path of the executable (/proc/self/exe); defaults to execfn. */
  exePath?: string;
}

/**
 * Builds the address space and entry registers of a new image; returns them, or -errno: ENOMEM (no room),
 * E2BIG (arguments and environment beyond the stack limit).
 */
export function prepareImage(kernel: Kernel, req: ExecRequest, random: Uint8Array): { mm: MmStruct; regs: PtRegs } | number {
  const mm = new MmStruct(kernel.newCpu());
  const loaded = loadElfBinary(mm, req.image, req.exePath ?? req.execfn);
  if (typeof loaded === 'number') {
    mm.release();
    return loaded;
  }
  const stack = buildExecStack({
    top: mm.stackTop, argv: req.argv, envp: req.envp, execfn: req.execfn, random, image: loaded, uid: 0, gid: 0,
  });
  if (!mm.findVmaForAccess(stack.sp)) {
    mm.release();
    return -Errno.E2BIG;
  }
  mm.cpu.write(stack.sp, stack.bytes);
  const regs = newPtRegs();
  regs[PT.rip] = BigInt(loaded.entry);
  regs[PT.rsp] = BigInt(stack.sp);
  regs[PT.eflags] = INIT_RFLAGS;
  regs[PT.cs] = USER_CS;
  regs[PT.ss] = USER_DS;
  return { mm, regs };
}
