/**
 * Hart: one Unicorn engine as a CPU with memory, the hardware an address space runs on. Registers move in batches:
 * one FFI call reads every pt_regs slot, one writes them, one writes the syscall return registers. Harts are
 * pooled by the machine and lent to address spaces (emu/cpu.ts) while those run.
 */
import type { CpuContext } from '../kernel/cpu.js';
import type { Kernel } from '../kernel/kernel.js';
import type { HostMemory } from './shared_memory.js';
import { PT, USER_CS, USER_DS, type PtRegs } from '../kernel/arch/x86/ptregs.js';
import { Engine, RegSlots } from './engine.js';
import { X86_REG } from './unicorn/consts.js';

/** PtRegs slot -> Unicorn register id (orig_rax has no hardware register; cs/ss are fixed for a 64-bit task). */
const SLOT_REG: Partial<Record<number, number>> = {
  [PT.r15]: X86_REG.R15, [PT.r14]: X86_REG.R14, [PT.r13]: X86_REG.R13, [PT.r12]: X86_REG.R12,
  [PT.rbp]: X86_REG.RBP, [PT.rbx]: X86_REG.RBX, [PT.r11]: X86_REG.R11, [PT.r10]: X86_REG.R10,
  [PT.r9]: X86_REG.R9, [PT.r8]: X86_REG.R8, [PT.rax]: X86_REG.RAX, [PT.rcx]: X86_REG.RCX,
  [PT.rdx]: X86_REG.RDX, [PT.rsi]: X86_REG.RSI, [PT.rdi]: X86_REG.RDI, [PT.rip]: X86_REG.RIP,
  [PT.eflags]: X86_REG.EFLAGS, [PT.rsp]: X86_REG.RSP, [PT.fs_base]: X86_REG.FS_BASE, [PT.gs_base]: X86_REG.GS_BASE,
};
const SLOTS = Object.keys(SLOT_REG).map(Number);
const ALL_IDS = Int32Array.from(SLOTS, (s) => SLOT_REG[s]!);
const RET_IDS = Int32Array.from([X86_REG.RAX, X86_REG.RCX, X86_REG.R11]);
/** What the syscall fast path reads: the number, the six arguments, the return address and the flags. */
const SYSCALL_SLOTS = [PT.rax, PT.rdi, PT.rsi, PT.rdx, PT.r10, PT.r8, PT.r9, PT.rip, PT.eflags];
const SYSCALL_IDS = Int32Array.from(SYSCALL_SLOTS, (s) => SLOT_REG[s]!);

class UnicornContext implements CpuContext {
  constructor(
    private readonly engine: Engine,
    readonly handle: unknown,
  ) {}

  free(): void {
    this.engine.contextFree(this.handle);
  }
}

/** A mapping of host memory in the engine. */
export interface PtrMapping {
  len: number;
  prot: number;
  mem: HostMemory;
  offset: number;
}

export class Hart {
  readonly engine = new Engine();

  /**
   * counting: the machine runs this engine with an instruction count (deterministic preemption) and never
   * without, since switching between the two makes Unicorn discard its translated code.
   */
  constructor(readonly counting = false) {}

  /** The kernel of the machine this hart is lent to (its hooks call into it), or null while spare. */
  owner: Kernel | null = null;

  /**
   * Shared (program text) mappings the last address space left behind: still in the engine with their translated
   * code, until an address space maps the same bytes at the same place again (taken back for free) or settle().
   */
  private readonly parked = new Map<number, PtrMapping>();
  private readonly all = new RegSlots(SLOTS.length);
  private readonly ret = new RegSlots(3);
  private readonly sys = new RegSlots(SYSCALL_SLOTS.length);
  private readonly one = new RegSlots(1);
  private readonly oneId = new Int32Array(1);

  /** Reads one register by Unicorn id (outside the syscall fast path). */
  readReg(id: number): bigint {
    this.oneId[0] = id;
    this.engine.regReadBatch(this.oneId, this.one);
    return this.one.values[0];
  }

  /** Whether the instruction just before RIP is hlt (0xf4): uc_emu_start returns OK after a hlt. */
  atHlt(): boolean {
    const b = new Uint8Array(1);
    try {
      this.engine.memRead(Number(this.readReg(X86_REG.RIP)) - 1, b);
    } catch {
      return false;
    }
    return b[0] === 0xf4;
  }

  /** Maps engine-owned memory (tests and tools; address spaces use mapPtr). */
  map(addr: number, len: number, prot: number): void {
    this.dropParked(addr, addr + len);
    this.engine.memMap(addr, len, prot);
  }

  read(addr: number, dst: Uint8Array): void {
    this.engine.memRead(addr, dst);
  }

  write(addr: number, src: Uint8Array): void {
    this.engine.memWrite(addr, src);
  }

  /** Maps host memory (bytes [offset, offset+len) of mem) at addr; a parked identical mapping is taken back. */
  mapPtr(addr: number, len: number, prot: number, mem: HostMemory, offset: number): void {
    const p = this.parked.get(addr);
    if (p && p.len === len && p.mem === mem && p.offset === offset) {
      this.parked.delete(addr);
      if (p.prot !== prot) this.engine.memProtect(addr, len, prot);
      mem.unref();
      return;
    }
    this.dropParked(addr, addr + len);
    this.engine.memMapPtr(addr, len, prot, mem.address + BigInt(offset));
  }

  /** Unmaps a mapping; a shared one is parked instead (see `parked`). */
  unmapPtr(addr: number, m: PtrMapping, shared: boolean): void {
    if (shared) {
      m.mem.ref();
      this.dropParked(addr, addr + m.len);
      this.parked.set(addr, { ...m });
      return;
    }
    this.engine.memUnmap(addr, m.len);
  }

  /** Really unmaps every parked mapping. */
  settle(): void {
    this.dropParked(0, Number.MAX_SAFE_INTEGER);
  }

  private dropParked(start: number, end: number): void {
    for (const [addr, p] of this.parked) {
      if (addr < end && addr + p.len > start) {
        this.engine.memUnmap(addr, p.len);
        this.parked.delete(addr);
        p.mem.unref();
      }
    }
  }

  protect(addr: number, len: number, prot: number): void {
    this.engine.memProtect(addr, len, prot);
  }

  invalidateCode(addr: number, len: number): void {
    this.engine.invalidateCode(addr, len);
  }

  readRegs(out: PtRegs): void {
    this.engine.regReadBatch(ALL_IDS, this.all);
    const v = this.all.values;
    for (let i = 0; i < SLOTS.length; i++) out[SLOTS[i]] = v[i];
    out[PT.orig_rax] = 0n;
    out[PT.cs] = USER_CS;
    out[PT.ss] = USER_DS;
  }

  readSyscallRegs(out: PtRegs): void {
    this.engine.regReadBatch(SYSCALL_IDS, this.sys);
    const v = this.sys.values;
    for (let i = 0; i < SYSCALL_SLOTS.length; i++) out[SYSCALL_SLOTS[i]] = v[i];
  }

  writeRegs(regs: PtRegs): void {
    const v = this.all.values;
    for (let i = 0; i < SLOTS.length; i++) v[i] = regs[SLOTS[i]];
    this.engine.regWriteBatch(ALL_IDS, this.all);
  }

  writeSyscallReturn(rax: bigint, rcx: bigint, r11: bigint): void {
    const v = this.ret.values;
    v[0] = rax;
    v[1] = rcx;
    v[2] = r11;
    this.engine.regWriteBatch(RET_IDS, this.ret);
  }

  /** Saves the CPU state into `into` when given (no allocation), else into a new context. */
  saveContext(into?: CpuContext): CpuContext {
    const ctx = (into as UnicornContext | undefined) ?? new UnicornContext(this.engine, this.engine.contextAlloc());
    this.engine.contextSave(ctx.handle);
    return ctx;
  }

  restoreContext(ctx: CpuContext): void {
    this.engine.contextRestore((ctx as UnicornContext).handle);
  }

  stop(): void {
    this.engine.stop();
  }

  /** Releases the engine and the register slots for good. */
  destroy(): void {
    this.settle();
    this.engine.close();
    this.all.free();
    this.ret.free();
    this.sys.free();
    this.one.free();
  }
}
