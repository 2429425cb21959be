/**
 * What the kernel needs from a CPU and its address space. `emu/` implements it on Unicorn; tests implement it in
 * memory (tests/helpers/fake_cpu.ts). Nothing here knows about Linux objects.
 *
 * Addresses and lengths are numbers of bytes; user addresses stay below 2^47, so a JS number holds them exactly.
 * Protections are Linux's PROT_* bits (PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4).
 */
import type { PtRegs } from './arch/x86/ptregs.js';

/** An opaque saved CPU state (general, segment, FPU and vector registers). */
export interface CpuContext {
  /** Releases the native memory behind the context; the context must not be used afterwards. */
  free(): void;
}

/** Host memory several address spaces can map at once (read-only program text shared across fork). */
export interface SharedMemory {
  /** Size in bytes. */
  readonly size: number;
  /** Copies src into the memory at offset (only while nothing executes from it). */
  write(offset: number, src: Uint8Array): void;
  /** Keeps the memory alive for the rest of the process (a cached program image). */
  pin(): void;
}

export interface AddressSpace {
  /** Maps [addr, addr+len) zero-filled; addr and len are page aligned and the range is not mapped yet. */
  map(addr: number, len: number, prot: number): void;
  /** Allocates size bytes of zero-filled shared memory that any Cpu of the same factory can map. */
  allocShared(size: number): SharedMemory;
  /** Maps [addr, addr+len) onto mem's bytes [offset, offset+len); addr, len and offset are page aligned. */
  mapShared(addr: number, len: number, prot: number, mem: SharedMemory, offset: number): void;
  /** Unmaps [addr, addr+len); page aligned; the whole range is mapped. */
  unmap(addr: number, len: number): void;
  /** Changes the protection of [addr, addr+len); page aligned; the whole range is mapped. */
  protect(addr: number, len: number, prot: number): void;
  /** Copies dst.length bytes from addr into dst; the whole range is mapped (protections are not checked). */
  read(addr: number, dst: Uint8Array): void;
  /** Copies src into guest memory at addr; the whole range is mapped (protections are not checked). */
  write(addr: number, src: Uint8Array): void;
  /** Drops translated code for [addr, addr+len) after the kernel wrote to code pages. */
  invalidateCode(addr: number, len: number): void;
}

export interface Cpu extends AddressSpace {
  /** Reads every PtRegs slot from the live CPU (orig_rax reads as 0: no hardware register holds it). */
  readRegs(out: PtRegs): void;
  /**
   * The syscall fast path: reads only rax, the six argument registers, rip and eflags into out (other slots are
   * left as they were).
   */
  readSyscallRegs(out: PtRegs): void;
  /** Writes every PtRegs slot except orig_rax, cs and ss to the live CPU. */
  writeRegs(regs: PtRegs): void;
  /** The syscall return path: writes rax, rcx and r11 only (the fast path inside the syscall hook). */
  writeSyscallReturn(rax: bigint, rcx: bigint, r11: bigint): void;
  /**
   * Saves the whole CPU state, into `into` when given (no allocation); the context may be restored on any Cpu
   * made by the same factory.
   */
  saveContext(into?: CpuContext): CpuContext;
  /** Makes ctx the live CPU state. */
  restoreContext(ctx: CpuContext): void;
  /** Asks the running engine to stop after the current instruction (used from inside a hook). */
  stop(): void;
  /** Releases the engine and its memory. */
  close(): void;
}

/** Makes a fresh CPU with an empty address space (one per MmStruct). */
export type CpuFactory = () => Cpu;
