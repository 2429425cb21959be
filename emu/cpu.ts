/**
 * UnicornCpu: the kernel's Cpu (one per address space) on a Hart borrowed from the machine's pool. A new address
 * space (a fork child) starts detached: its memory is kept in JS buffers until it first runs, and only then takes
 * a hart and is written into it. A child forked while many others wait to run therefore costs no engine of its
 * own, and when it runs it usually gets the pooled hart of a process that just exited, whose translated program
 * text is still warm (shared text stays parked in the hart, see Hart.unmap).
 */
import type { Cpu, CpuContext, SharedMemory } from '../kernel/cpu.js';
import type { PtRegs } from '../kernel/arch/x86/ptregs.js';
import { Hart } from './hart.js';
import { UnicornSharedMemory } from './shared_memory.js';

/** Lends and takes back harts (the machine's pool). */
export interface HartPool {
  acquire(): Hart;
  release(hart: Hart): void;
}

/** A region of a detached address space: private bytes or shared memory. */
interface ShadowRegion {
  len: number;
  prot: number;
  bytes: Uint8Array | null;
  shared: { mem: SharedMemory; offset: number } | null;
}

export class UnicornCpu implements Cpu {
  private current: Hart | null = null;
  /** The memory of a detached address space, by start address, in mapping order. */
  private shadow: Map<number, ShadowRegion> | null = new Map();

  constructor(private readonly pool: HartPool) {}

  /** The hart this address space runs on, taking one (and writing the memory into it) if it has none. */
  get hart(): Hart {
    return this.current ?? this.attach();
  }

  private attach(): Hart {
    const hart = this.pool.acquire();
    this.current = hart;
    const shadow = this.shadow!;
    this.shadow = null;
    for (const [addr, r] of shadow) {
      if (r.shared) {
        hart.mapShared(addr, r.len, r.prot, r.shared.mem, r.shared.offset);
      } else {
        hart.map(addr, r.len, r.prot);
        hart.write(addr, r.bytes!);
      }
    }
    hart.settle();
    return hart;
  }

  /** The detached region holding [addr, addr+len), or an Error like Unicorn's for unmapped memory. */
  private region(addr: number, len: number): [number, ShadowRegion] {
    for (const [start, r] of this.shadow!) {
      if (addr >= start && addr + len <= start + r.len) return [start, r];
    }
    throw new Error(`UnicornCpu: [0x${addr.toString(16)}, +${len}) is not one mapped region`);
  }

  private shadowBytes(addr: number, len: number): Uint8Array {
    const [start, r] = this.region(addr, len);
    const bytes = r.bytes ?? (r.shared!.mem as UnicornSharedMemory).view.subarray(r.shared!.offset, r.shared!.offset + r.len);
    return bytes.subarray(addr - start, addr - start + len);
  }

  map(addr: number, len: number, prot: number): void {
    if (this.current) this.current.map(addr, len, prot);
    else this.shadow!.set(addr, { len, prot, bytes: new Uint8Array(len), shared: null });
  }

  allocShared(size: number): SharedMemory {
    return new UnicornSharedMemory(size);
  }

  mapShared(addr: number, len: number, prot: number, mem: SharedMemory, offset: number): void {
    if (this.current) this.current.mapShared(addr, len, prot, mem, offset);
    else this.shadow!.set(addr, { len, prot, bytes: null, shared: { mem, offset } });
  }

  read(addr: number, dst: Uint8Array): void {
    if (this.current) this.current.read(addr, dst);
    else dst.set(this.shadowBytes(addr, dst.length));
  }

  write(addr: number, src: Uint8Array): void {
    if (this.current) this.current.write(addr, src);
    else this.shadowBytes(addr, src.length).set(src);
  }

  settle(): void {
    this.current?.settle();
  }

  unmap(addr: number, len: number): void {
    this.hart.unmap(addr, len);
  }

  protect(addr: number, len: number, prot: number): void {
    this.hart.protect(addr, len, prot);
  }

  invalidateCode(addr: number, len: number): void {
    this.current?.invalidateCode(addr, len);
  }

  readRegs(out: PtRegs): void {
    this.hart.readRegs(out);
  }

  writeRegs(regs: PtRegs): void {
    this.hart.writeRegs(regs);
  }

  writeSyscallReturn(rax: bigint, rcx: bigint, r11: bigint): void {
    this.hart.writeSyscallReturn(rax, rcx, r11);
  }

  saveContext(): CpuContext {
    return this.hart.saveContext();
  }

  restoreContext(ctx: CpuContext): void {
    this.hart.restoreContext(ctx);
  }

  stop(): void {
    this.hart.stop();
  }

  /** The address space is gone (the kernel unmapped everything): the hart goes back to the pool. */
  close(): void {
    if (this.current) this.pool.release(this.current);
    this.current = null;
    this.shadow = null;
  }
}
