/**
 * MmStruct: one address space, Linux's `struct mm_struct` (include/linux/mm_types.h). It owns the CPU whose memory
 * holds the pages and the VMA set that records what is mapped and with which protection; the two are kept exactly
 * in sync (every VMA byte is mapped in the CPU with the VMA's protection, nothing else is). The CPU does not enforce
 * protections for kernel reads and writes, so uaccess asks protAt() instead.
 *
 * Life cycle: created empty by exec (the loader maps segments and the stack and sets startBrk/brk), duplicated by
 * fork (dup), shared by CLONE_VM threads, released when its last user goes (release).
 */
import type { Cpu, SharedMemory } from '../cpu.js';
import { Errno } from '../uapi/errno.js';
import {
  MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_GROWSDOWN, MAP_PRIVATE, MAP_SHARED, MAP_STACK, MAP_TYPE,
  PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, TASK_SIZE_MAX, pageAlignUp,
} from '../uapi/mman.js';
import {
  MAP_32BIT, MAP_DROPPABLE, PROT_GROWSDOWN, PROT_GROWSUP, PROT_SEM, STACK_GUARD_GAP, VmaSet, vmStartGap, type Vma,
} from './vma.js';

/** Where a new address space puts things. All page aligned. */
export interface MmLayout {
  /** Top (exclusive) of the top-down mmap area; default 0x7ffff7fff000 (TASK_SIZE_MAX - 128 MiB, no ASLR). */
  mmapBase?: number;
  /** Top (exclusive) of the main stack; default TASK_SIZE_MAX. */
  stackTop?: number;
  /** vm.mmap_min_addr; default 4096, the value on the reference machine (Linux's Kconfig default is 65536). */
  mmapMinAddr?: number;
}

/** TASK_SIZE_MAX - 128 MiB: mmap_base() without randomization and with the default 8 MiB stack limit. */
export const DEFAULT_MMAP_BASE = 0x7ffff7fff000;

/** Start of the bottom-up search used when top-down fails (TASK_UNMAPPED_BASE = PAGE_ALIGN(TASK_SIZE / 3)). */
const LEGACY_MMAP_BASE = pageAlignUp(TASK_SIZE_MAX / 3);

/** The window MAP_32BIT mappings are placed in on x86-64 (arch/x86/kernel/sys_x86_64.c find_start_end()). */
const MAP_32BIT_LOW = 0x40000000;
const MAP_32BIT_HIGH = 0x80000000;

/** The MAP_* bits a VMA remembers. */
const VMA_FLAG_BITS = MAP_TYPE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_STACK;
const PROT_BITS = PROT_READ | PROT_WRITE | PROT_EXEC;

/**
 * The largest single mapping sysemu makes (bytes): each is one block of host memory viewed from JS, and Node's
 * typed arrays stop at 4 GiB. Larger requests get ENOMEM (Linux would allow them).
 */
export const MAX_MAPPING = 2 ** 32 - PAGE_SIZE;

/** RLIMIT_STACK: how far below stackTop the stack may grow (8 MiB, Linux's default soft limit). */
export const STACK_RLIMIT = 8 * 1024 * 1024;

export class MmStruct {
  /** Every address space made and not yet released, in this process (the sweep's leak check compares snapshots). */
  static readonly live = new Set<MmStruct>();
  readonly vmas = new VmaSet();
  /** Start of the heap and the current break (bytes; brk need not be page aligned). Set by the ELF loader. */
  startBrk = 0;
  brk = 0;
  readonly mmapBase: number;
  stackTop: number;
  readonly mmapMinAddr: number;
  /** Tasks using this address space (CLONE_VM shares it); the last one to exit releases it. Linux: mm_users. */
  users = 1;
  private released = false;

  constructor(readonly cpu: Cpu, layout: MmLayout = {}) {
    this.mmapBase = layout.mmapBase ?? DEFAULT_MMAP_BASE;
    this.stackTop = layout.stackTop ?? TASK_SIZE_MAX;
    this.mmapMinAddr = layout.mmapMinAddr ?? PAGE_SIZE;
    MmStruct.live.add(this);
  }

  /**
   * The VMA holding addr for an access (a CPU fault or a user copy): when addr is unmapped but just below a
   * grows-down area (the stack) and within STACK_RLIMIT of stackTop, the area is extended down to addr's page
   * first, clear of other areas by the stack guard gap. Linux: mm/mmap.c find_extend_vma() / expand_downwards().
   */
  findVmaForAccess(addr: number): Vma | undefined {
    return this.vmas.find(addr) ?? (this.growStack(addr) ? this.vmas.find(addr) : undefined);
  }

  private growStack(addr: number): boolean {
    const above = this.vmas.findNext(addr);
    if (above === undefined || !(above.flags & MAP_GROWSDOWN)) return false;
    const start = addr - (addr % PAGE_SIZE);
    if (start < this.stackTop - STACK_RLIMIT || start < this.mmapMinAddr) return false;
    if (this.vmas.firstIntersecting(Math.max(0, start - STACK_GUARD_GAP), start)) return false;
    const flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN;
    return this.mmap(start, above.start - start, above.prot, flags, above.name) === start;
  }

  /** PROT_* bits of the page holding addr, or -1 when it is unmapped. O(1) for repeated hits in one VMA. */
  protAt(addr: number): number {
    const v = this.vmas.find(addr);
    return v === undefined ? -1 : v.prot;
  }

  /**
   * Maps an anonymous area and returns its address, or -errno: EINVAL (len 0, MAP_FIXED with an unaligned address,
   * bad map type, MAP_SHARED|MAP_GROWSDOWN), ENOMEM (length or range beyond TASK_SIZE, no free gap), EEXIST
   * (MAP_FIXED_NOREPLACE over a mapping). MAP_FIXED replaces what was there. addr, len in bytes; prot PROT_*;
   * flags MAP_*; name is what /proc/<pid>/maps shows (the loader passes a path or '[stack]'). File mappings are
   * the caller's business (see mmap.ts). Linux: mm/mmap.c do_mmap().
   */
  mmap(addr: number, len: number, prot: number, flags: number, name = ''): number {
    if (flags & MAP_FIXED_NOREPLACE) flags |= MAP_FIXED;
    if (len === 0) return -Errno.EINVAL;
    if (!(flags & MAP_FIXED)) addr = this.roundHintToMin(addr);
    len = pageAlignUp(len);
    if (len > TASK_SIZE_MAX || len > MAX_MAPPING) return -Errno.ENOMEM;
    const where = this.getUnmappedArea(addr, len, flags);
    if (where < 0) return where;
    if (flags & MAP_FIXED_NOREPLACE && this.vmas.firstIntersecting(where, where + len)) return -Errno.EEXIST;
    if (!anonTypeValid(flags)) return -Errno.EINVAL;
    this.unmapRange(where, where + len);
    this.mapNew({ start: where, end: where + len, prot: prot & PROT_BITS, flags: flags & VMA_FLAG_BITS, name });
    return where;
  }

  /**
   * Maps read-only program bytes held in shared memory at a fixed page-aligned place (the ELF loader), replacing
   * what was there. fork maps the same memory instead of copying it; any later change to the area (mprotect,
   * munmap, a MAP_FIXED over it) first turns it into a private copy. Bytes; prot PROT_*.
   */
  mapSharedFixed(start: number, len: number, prot: number, name: string, mem: SharedMemory): void {
    this.unmapRange(start, start + len);
    const v: Vma = { start, end: start + len, prot: prot & PROT_BITS, flags: MAP_PRIVATE, name, shared: { mem, offset: 0 } };
    this.vmas.insert(v);
    this.cpu.mapShared(start, len, v.prot, mem, 0);
  }

  /** Turns every shared area intersecting [start, end) into a private copy of its bytes (before changing it). */
  private privatize(start: number, end: number): void {
    const shared = [...this.vmas].filter((v) => v.shared && v.start < end && v.end > start);
    for (const v of shared) {
      const bytes = new Uint8Array(v.end - v.start);
      this.cpu.read(v.start, bytes);
      this.cpu.unmap(v.start, bytes.length);
      this.vmas.removeRange(v.start, v.end);
      const copy: Vma = { start: v.start, end: v.end, prot: v.prot, flags: v.flags, name: v.name };
      this.mapNew(copy);
      this.cpu.write(v.start, bytes);
    }
  }

  /**
   * Unmaps [addr, addr+len) (len rounded up to pages); holes are fine. Returns 0 or -EINVAL (unaligned addr, zero
   * length, range beyond TASK_SIZE). Linux: mm/vma.c do_vmi_munmap().
   */
  munmap(addr: number, len: number): number {
    if (addr % PAGE_SIZE !== 0 || addr > TASK_SIZE_MAX || len > TASK_SIZE_MAX - addr) return -Errno.EINVAL;
    const end = addr + pageAlignUp(len);
    if (end === addr) return -Errno.EINVAL;
    this.unmapRange(addr, end);
    return 0;
  }

  /**
   * Changes the protection of [addr, addr+len). Returns 0, -EINVAL (unaligned, unknown prot bits, both grows bits,
   * PROT_GROWSDOWN on a non-stack area, PROT_GROWSUP) or -ENOMEM (range wraps, or part of it is unmapped). As in
   * Linux, the mapped run from addr up to the first hole is changed before ENOMEM is returned.
   * prot may exceed 32 bits (the syscall passes an unsigned long). Linux: mm/mprotect.c do_mprotect_pkey().
   */
  mprotect(addr: number, len: number, prot: number): number {
    const low = prot % 2 ** 32;
    const grows = low & (PROT_GROWSDOWN | PROT_GROWSUP);
    if (grows === (PROT_GROWSDOWN | PROT_GROWSUP)) return -Errno.EINVAL;
    if (addr % PAGE_SIZE !== 0) return -Errno.EINVAL;
    if (len === 0) return 0;
    const end = addr + pageAlignUp(len);
    if (end >= 2 ** 64) return -Errno.ENOMEM;
    if (prot >= 2 ** 32 || (low & ~(grows | PROT_BITS | PROT_SEM)) !== 0) return -Errno.EINVAL;
    const first = this.vmas.firstIntersecting(addr, end);
    if (first === undefined) return -Errno.ENOMEM;
    let start = addr;
    if (grows & PROT_GROWSDOWN) {
      start = first.start;
      if (!(first.flags & MAP_GROWSDOWN)) return -Errno.EINVAL;
    } else {
      if (first.start > addr) return -Errno.ENOMEM;
      if (grows & PROT_GROWSUP) return -Errno.EINVAL; // x86 has no VM_GROWSUP areas
    }
    const covered = this.vmas.contiguousEnd(start, end);
    this.privatize(start, covered);
    this.vmas.protectRange(start, covered, low & PROT_BITS);
    this.cpu.protect(start, covered - start, low & PROT_BITS);
    return covered < end ? -Errno.ENOMEM : 0;
  }

  /**
   * Moves the program break and returns the new break, or the old one when the request is refused (below
   * startBrk, beyond TASK_SIZE, too close to the next mapping, or shrinking into a hole). Bytes. Linux: mm/mmap.c
   * sys_brk() (RLIMIT_DATA is not modelled).
   */
  setBrk(newBrk: number): number {
    const orig = this.brk;
    if (newBrk < this.startBrk) return orig;
    const newTop = pageAlignUp(newBrk);
    const oldTop = pageAlignUp(this.brk);
    if (newTop === oldTop) {
      this.brk = newBrk;
      return newBrk;
    }
    if (newBrk <= this.brk) {
      if (this.vmas.firstIntersecting(newTop, oldTop) === undefined) return orig;
      this.unmapRange(newTop, oldTop);
      this.brk = newBrk;
      return newBrk;
    }
    if (newTop > TASK_SIZE_MAX) return orig;
    const next = this.vmas.firstIntersecting(oldTop, newTop + PAGE_SIZE + STACK_GUARD_GAP);
    if (next !== undefined && newTop + PAGE_SIZE > vmStartGap(next)) return orig;
    this.growHeap(oldTop, newTop);
    this.brk = newBrk;
    return newBrk;
  }

  /**
   * A copy of this address space for fork: same layout, same areas, every private byte copied into newCpu (which
   * must be empty) and shared program text mapped, not copied. Copy-on-write is not modelled, so MAP_SHARED areas
   * stop being shared with the child.
   * Linux: kernel/fork.c dup_mm() / dup_mmap().
   */
  dup(newCpu: Cpu): MmStruct {
    const child = new MmStruct(newCpu, { mmapBase: this.mmapBase, stackTop: this.stackTop, mmapMinAddr: this.mmapMinAddr });
    child.startBrk = this.startBrk;
    child.brk = this.brk;
    for (const v of this.vmas) {
      if (v.shared) {
        newCpu.mapShared(v.start, v.end - v.start, v.prot, v.shared.mem, v.shared.offset);
      } else {
        newCpu.map(v.start, v.end - v.start, v.prot);
        copyRegion(this.cpu, newCpu, v.start, v.end);
      }
      child.vmas.insert(v);
    }
    return child;
  }

  /** Unmaps every area and closes the CPU; later calls do nothing. Linux: mmput() -> exit_mmap(). */
  release(): void {
    if (this.released) return;
    this.released = true;
    MmStruct.live.delete(this);
    for (const v of this.vmas) this.cpu.unmap(v.start, v.end - v.start);
    this.vmas.clear();
    this.cpu.close();
  }

  /** Total mapped bytes (Linux: total_vm << PAGE_SHIFT). */
  mappedBytes(): number {
    return this.vmas.totalBytes();
  }

  /** do_mmap's round_hint_to_min(): a hint is rounded down to a page and raised to mmap_min_addr. */
  private roundHintToMin(hint: number): number {
    hint -= hint % PAGE_SIZE;
    return hint !== 0 && hint < this.mmapMinAddr ? pageAlignUp(this.mmapMinAddr) : hint;
  }

  /**
   * Picks the address for a len-byte mapping, or -errno. Linux: __get_unmapped_area() with x86's
   * arch_get_unmapped_area_topdown(): MAP_FIXED as given, a free hint as given, else top-down below mmapBase, else
   * bottom-up from TASK_UNMAPPED_BASE; MAP_32BIT bottom-up in [1 GiB, 2 GiB) ignoring the hint.
   */
  private getUnmappedArea(addr: number, len: number, flags: number): number {
    let where: number;
    if (flags & MAP_FIXED) where = addr;
    else if (flags & MAP_32BIT) where = this.vmas.gapBottomUp(len, MAP_32BIT_LOW, MAP_32BIT_HIGH);
    else if (addr !== 0 && this.hintFits(addr, len)) where = addr;
    else where = this.searchFree(len);
    if (where < 0) return -Errno.ENOMEM;
    if (where > TASK_SIZE_MAX - len) return -Errno.ENOMEM;
    if (where % PAGE_SIZE !== 0) return -Errno.EINVAL;
    return where;
  }

  private hintFits(addr: number, len: number): boolean {
    if (addr > TASK_SIZE_MAX - len) return false;
    const next = this.vmas.findNext(addr);
    return next === undefined || addr + len <= vmStartGap(next);
  }

  private searchFree(len: number): number {
    const low = Math.max(PAGE_SIZE, this.mmapMinAddr);
    const a = this.vmas.gapTopDown(len, low, this.mmapBase);
    return a >= 0 ? a : this.vmas.gapBottomUp(len, LEGACY_MMAP_BASE, TASK_SIZE_MAX);
  }

  /** Removes [start, end) from the VMAs and unmaps exactly the removed pieces from the CPU. */
  private unmapRange(start: number, end: number): void {
    this.privatize(start, end);
    for (const piece of this.vmas.removeRange(start, end)) this.cpu.unmap(piece.start, piece.end - piece.start);
  }

  private mapNew(v: Vma): void {
    this.cpu.map(v.start, v.end - v.start, v.prot);
    this.vmas.insert(v);
  }

  /** Maps [oldTop, newTop) read-write as heap; insert() merges it into a heap area ending at oldTop (do_brk_flags). */
  private growHeap(oldTop: number, newTop: number): void {
    const flags = MAP_PRIVATE | MAP_ANONYMOUS;
    this.mapNew({ start: oldTop, end: newTop, prot: PROT_READ | PROT_WRITE, flags, name: '[heap]' });
  }
}

/**
 * do_mmap's map-type switch for anonymous memory: MAP_SHARED (not grows-down), MAP_PRIVATE or MAP_DROPPABLE
 * (treated as private); anything else, MAP_SHARED_VALIDATE included, is EINVAL.
 */
function anonTypeValid(flags: number): boolean {
  const type = flags & MAP_TYPE;
  if (type === MAP_SHARED) return !(flags & MAP_GROWSDOWN);
  return type === MAP_PRIVATE || type === MAP_DROPPABLE;
}

/** Bytes copied per read/write pair when duplicating an area (bounds the temporary buffer). */
const COPY_CHUNK = 1 << 20;

/** Copies guest bytes [start, end) from one CPU to another in large chunks (both ranges are mapped). */
function copyRegion(from: Cpu, to: Cpu, start: number, end: number): void {
  const buf = new Uint8Array(Math.min(COPY_CHUNK, end - start));
  for (let a = start; a < end; a += buf.length) {
    const part = end - a >= buf.length ? buf : buf.subarray(0, end - a);
    from.read(a, part);
    to.write(a, part);
  }
}
