/**
 * UnicornCpu: the kernel's Cpu for one address space. Its memory is a table of regions backed by host memory
 * (emu/shared_memory.ts); the kernel reads and writes them directly. To run, the address space borrows a Hart (a
 * Unicorn engine) from the machine's pool and maps its regions into it with uc_mem_map_ptr, which copies nothing;
 * a hart taken back for another address space just unmaps them. Program text shared across fork stays parked in
 * the hart between address spaces, so its translated code survives. Changes to the regions (map, unmap, protect)
 * are mirrored into the hart while one is attached.
 */
import type { Cpu, CpuContext, SharedMemory } from '../kernel/cpu.js';
import type { PtRegs } from '../kernel/arch/x86/ptregs.js';
import type { Hart } from './hart.js';
import { HostMemory } from './shared_memory.js';

const PROT_EXEC = 4;

/** Lends and takes back harts (the machine's pool), of two kinds: counting instructions or not. */
export interface HartPool {
  acquire(cpu: UnicornCpu, counting: boolean): Hart;
  release(hart: Hart): void;
}

/** [start, start+len) backed by bytes [offset, offset+len) of mem; shared = program text mapped by several. */
interface Region {
  start: number;
  len: number;
  prot: number;
  mem: HostMemory;
  offset: number;
  shared: boolean;
}

export class UnicornCpu implements Cpu {
  private attached: Hart | null = null;
  /** The kind of hart to borrow next (the machine sets it before each run). */
  private wantCounting = false;
  /** Regions sorted by start address, never overlapping. */
  private regions: Region[] = [];

  constructor(private readonly pool: HartPool) {}

  /** The hart this address space runs on, borrowing one (and mapping every region into it) if needed. */
  get hart(): Hart {
    if (this.attached) return this.attached;
    const hart = this.pool.acquire(this, this.wantCounting);
    for (const r of this.regions) this.mapInto(hart, r);
    hart.settle();
    this.attached = hart;
    return hart;
  }

  /** The kind of the attached hart (true: counting), or null when none is attached. */
  get attachedKind(): boolean | null {
    return this.attached ? this.attached.counting : null;
  }

  /** Moves to a hart of the given kind if the attached one is of the other kind (registers are not kept). */
  useHart(counting: boolean): void {
    this.wantCounting = counting;
    if (this.attached && this.attached.counting !== counting) this.pool.release(this.detach()!);
  }

  /** Gives the hart back (the pool takes it for another address space); the regions stay in host memory. */
  detach(): Hart | null {
    const hart = this.attached;
    if (!hart) return null;
    for (const r of this.regions) this.unmapFrom(hart, r);
    this.attached = null;
    return hart;
  }

  private mapInto(hart: Hart, r: Region): void {
    r.mem.ref();
    hart.mapPtr(r.start, r.len, r.prot, r.mem, r.offset);
  }

  private unmapFrom(hart: Hart, r: Region): void {
    if (!r.shared && r.prot & PROT_EXEC) hart.invalidateCode(r.start, r.len);
    hart.unmapPtr(r.start, r, r.shared);
    r.mem.unref();
  }

  private insert(r: Region): void {
    r.mem.ref();
    const i = this.regions.findIndex((x) => x.start > r.start);
    this.regions.splice(i < 0 ? this.regions.length : i, 0, r);
    if (this.attached) this.mapInto(this.attached, r);
  }

  private remove(r: Region): void {
    this.regions.splice(this.regions.indexOf(r), 1);
    if (this.attached) this.unmapFrom(this.attached, r);
    r.mem.unref();
  }

  map(addr: number, len: number, prot: number): void {
    this.insert({ start: addr, len, prot, mem: new HostMemory(len), offset: 0, shared: false });
  }

  allocShared(size: number): SharedMemory {
    return new HostMemory(size);
  }

  mapShared(addr: number, len: number, prot: number, mem: SharedMemory, offset: number): void {
    this.insert({ start: addr, len, prot, mem: mem as HostMemory, offset, shared: true });
  }

  /** The regions intersecting [start, end). */
  private overlapping(start: number, end: number): Region[] {
    return this.regions.filter((r) => r.start < end && r.start + r.len > start);
  }

  /** Replaces each region intersecting [start, end) by its pieces, the middle piece changed by edit (or dropped). */
  private rewrite(start: number, end: number, edit: (mid: Region) => Region | null): void {
    for (const r of this.overlapping(start, end)) {
      const lo = Math.max(start, r.start);
      const hi = Math.min(end, r.start + r.len);
      const piece = (s: number, e: number): Region => ({ ...r, start: s, len: e - s, offset: r.offset + (s - r.start) });
      r.mem.ref(); // keep the block alive between removing the region and inserting its pieces
      this.remove(r);
      if (r.start < lo) this.insert(piece(r.start, lo));
      const mid = edit(piece(lo, hi));
      if (mid) this.insert(mid);
      if (hi < r.start + r.len) this.insert(piece(hi, r.start + r.len));
      r.mem.unref();
    }
  }

  unmap(addr: number, len: number): void {
    this.rewrite(addr, addr + len, () => null);
  }

  protect(addr: number, len: number, prot: number): void {
    const whole = this.regions.find((r) => r.start === addr && r.len === len);
    if (whole && this.attached && !whole.shared) {
      whole.prot = prot;
      this.attached.protect(addr, len, prot);
      return;
    }
    this.rewrite(addr, addr + len, (mid) => ({ ...mid, prot }));
  }

  /** Calls fn for each region piece of [addr, addr+len) in order; throws like Unicorn if any byte is unmapped. */
  private each(addr: number, len: number, fn: (view: Uint8Array, at: number) => void): void {
    let at = 0;
    for (const r of this.overlapping(addr, addr + len)) {
      const a = addr + at;
      if (r.start > a) break;
      const n = Math.min(r.start + r.len - a, len - at);
      const from = r.offset + (a - r.start);
      fn(r.mem.view.subarray(from, from + n), at);
      at += n;
    }
    if (at < len) throw new Error(`UnicornCpu: 0x${(addr + at).toString(16)} is not mapped`);
  }

  read(addr: number, dst: Uint8Array): void {
    this.each(addr, dst.length, (v, at) => dst.set(v, at));
  }

  write(addr: number, src: Uint8Array): void {
    this.each(addr, src.length, (v, at) => v.set(src.subarray(at, at + v.length)));
  }

  invalidateCode(addr: number, len: number): void {
    this.attached?.invalidateCode(addr, len);
  }

  readRegs(out: PtRegs): void {
    this.hart.readRegs(out);
  }

  readSyscallRegs(out: PtRegs): void {
    this.hart.readSyscallRegs(out);
  }

  writeRegs(regs: PtRegs): void {
    this.hart.writeRegs(regs);
  }

  writeSyscallReturn(rax: bigint, rcx: bigint, r11: bigint): void {
    this.hart.writeSyscallReturn(rax, rcx, r11);
  }

  saveContext(into?: CpuContext): CpuContext {
    return this.hart.saveContext(into);
  }

  restoreContext(ctx: CpuContext): void {
    this.hart.restoreContext(ctx);
  }

  stop(): void {
    this.hart.stop();
  }

  /** The address space is gone: its hart goes back to the pool and its memory is freed. */
  close(): void {
    const hart = this.detach();
    for (const r of this.regions) r.mem.unref();
    this.regions = [];
    if (hart) this.pool.release(hart);
  }
}
