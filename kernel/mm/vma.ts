/**
 * Virtual memory areas: the ordered, non-overlapping set of mapped ranges of one address space, each with its
 * protection. Linux keeps them in a maple tree (mm/vma.c, include/linux/mm_types.h `struct vm_area_struct`); a sorted
 * array with binary search is enough here, plus a one-entry cache because uaccess asks for the same VMA page after
 * page (Linux once had the same idea: the per-thread vmacache).
 *
 * Addresses are byte numbers below TASK_SIZE_MAX; every start and end is page aligned.
 */
import type { SharedMemory } from '../cpu.js';
import { MAP_GROWSDOWN, MAP_SHARED, MAP_TYPE, PAGE_SIZE, TASK_SIZE_MAX } from '../uapi/mman.js';

/**
 * uapi <asm-generic/mman-common.h> and <asm/mman.h> values that kernel/uapi/mman.ts does not have yet.
 * TODO(lead): move them there.
 */
export const PROT_SEM = 0x8;
export const PROT_GROWSDOWN = 0x01000000;
export const PROT_GROWSUP = 0x02000000;
export const MAP_DROPPABLE = 0x08;
export const MAP_32BIT = 0x40;

/** The gap kept below a MAP_GROWSDOWN area when placing other mappings: 256 pages (mm/mmap.c stack_guard_gap). */
export const STACK_GUARD_GAP = 256 * PAGE_SIZE;

/**
 * One mapped range [start, end). `prot` holds PROT_READ|PROT_WRITE|PROT_EXEC bits; `flags` holds the MAP_* bits that
 * describe the area (MAP_SHARED or MAP_PRIVATE, MAP_ANONYMOUS, MAP_GROWSDOWN, MAP_STACK); `name` is what
 * /proc/<pid>/maps would show ('' for anonymous, '[heap]', '[stack]', a path). Linux: struct vm_area_struct.
 */
export interface Vma {
  readonly start: number;
  readonly end: number;
  readonly prot: number;
  readonly flags: number;
  readonly name: string;
  /** Read-only program bytes shared by every address space that maps them (fork maps, never copies). */
  readonly shared?: { readonly mem: SharedMemory; readonly offset: number };
}

/** The lowest address other mappings must stay above: start minus the guard gap for a grows-down stack. */
export function vmStartGap(v: Vma): number {
  return v.flags & MAP_GROWSDOWN ? Math.max(0, v.start - STACK_GUARD_GAP) : v.start;
}

/** Whether two neighbours would be one area in Linux (vma_merge): same protection, flags, name; not shared. */
function canMerge(a: Vma, b: Vma): boolean {
  return a.end === b.start && !a.shared && !b.shared && a.prot === b.prot && a.flags === b.flags && a.name === b.name &&
    (a.flags & MAP_TYPE) !== MAP_SHARED;
}

/**
 * The ordered VMA set of one address space. Mutations keep the set sorted, non-overlapping and merged like Linux
 * (adjacent private areas with equal attributes become one). Methods throw only on emulator bugs (overlap,
 * misalignment), never for guest input: callers validate first.
 */
export class VmaSet {
  private list: Vma[] = [];
  private cache: Vma | undefined;

  /** Number of areas (Linux: mm->map_count). */
  get count(): number {
    return this.list.length;
  }

  [Symbol.iterator](): Iterator<Vma> {
    return this.list[Symbol.iterator]();
  }

  /** The area containing addr, or undefined. Linux: vma_lookup(). */
  find(addr: number): Vma | undefined {
    const c = this.cache;
    if (c !== undefined && addr >= c.start && addr < c.end) return c;
    const v = this.list[this.indexAfter(addr)];
    if (v === undefined || v.start > addr) return undefined;
    this.cache = v;
    return v;
  }

  /** The first area that ends above addr (it may start above addr), or undefined. Linux: find_vma(). */
  findNext(addr: number): Vma | undefined {
    return this.list[this.indexAfter(addr)];
  }

  /** The lowest area intersecting [start, end), or undefined. Linux: find_vma_intersection(). */
  firstIntersecting(start: number, end: number): Vma | undefined {
    const v = this.list[this.indexAfter(start)];
    return v !== undefined && v.start < end ? v : undefined;
  }

  /** The end of the mapped run that begins at start, capped at end (start itself when start is unmapped). */
  contiguousEnd(start: number, end: number): number {
    let cur = start;
    for (let i = this.indexAfter(start); i < this.list.length && cur < end; i++) {
      const v = this.list[i];
      if (v.start > cur) break;
      cur = v.end;
    }
    return Math.min(cur, end);
  }

  /** Adds an area; throws if it is misaligned or overlaps an existing one (a caller bug). */
  insert(v: Vma): void {
    checkRange(v.start, v.end);
    const i = this.indexAfter(v.start);
    const next = this.list[i];
    if (next !== undefined && next.start < v.end) throw new Error(`VmaSet.insert: ${hex(v.start)} overlaps`);
    this.list.splice(i, 0, v);
    this.mergeAround(i, i);
  }

  /**
   * Removes [start, end) from every area it touches, splitting areas that straddle a boundary. Returns the removed
   * pieces in address order (what the caller must unmap from the CPU). Linux: do_vmi_align_munmap().
   */
  removeRange(start: number, end: number): Vma[] {
    checkRange(start, end);
    return this.rewriteRange(start, end, () => null);
  }

  /**
   * Sets the protection of every mapped byte in [start, end), splitting at the boundaries, and returns the pieces
   * that were inside the range (with their old protection). Holes are skipped (callers decide whether a hole is an error). Linux: mprotect_fixup().
   */
  protectRange(start: number, end: number, prot: number): Vma[] {
    checkRange(start, end);
    return this.rewriteRange(start, end, (piece) => ({ ...piece, prot }));
  }

  /**
   * The highest page-aligned address a with [a, a+len) free, low <= a and a+len <= high, or -1.
   * Linux: unmapped_area_topdown().
   */
  gapTopDown(len: number, low: number, high: number): number {
    for (let i = this.list.length; i >= 0; i--) {
      const gapLow = Math.max(i > 0 ? this.list[i - 1].end : 0, low);
      const gapHigh = Math.min(i < this.list.length ? vmStartGap(this.list[i]) : TASK_SIZE_MAX, high);
      if (gapHigh - gapLow >= len) return gapHigh - len;
      if (gapLow <= low) break;
    }
    return -1;
  }

  /** The lowest page-aligned address a with [a, a+len) free inside [low, high], or -1. Linux: unmapped_area(). */
  gapBottomUp(len: number, low: number, high: number): number {
    for (let i = 0; i <= this.list.length; i++) {
      const gapLow = Math.max(i > 0 ? this.list[i - 1].end : 0, low);
      const gapHigh = Math.min(i < this.list.length ? vmStartGap(this.list[i]) : TASK_SIZE_MAX, high);
      if (gapHigh - gapLow >= len) return gapLow;
      if (gapHigh >= high) break;
    }
    return -1;
  }

  /** An independent copy (areas are immutable, so sharing the objects is safe). */
  clone(): VmaSet {
    const c = new VmaSet();
    c.list = this.list.slice();
    return c;
  }

  /** Sum of area lengths in bytes. */
  totalBytes(): number {
    let n = 0;
    for (const v of this.list) n += v.end - v.start;
    return n;
  }

  /** Drops every area. */
  clear(): void {
    this.list = [];
    this.cache = undefined;
  }

  /** Index of the first area with end > addr (binary search); list.length when none. */
  private indexAfter(addr: number): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.list[mid].end <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Cuts every area touching [start, end) at the bounds; edit maps each inside piece to a new area or null. */
  private rewriteRange(start: number, end: number, edit: (piece: Vma) => Vma | null): Vma[] {
    const first = this.indexAfter(start);
    const touched: Vma[] = [];
    const replacement: Vma[] = [];
    let j = first;
    for (; j < this.list.length && this.list[j].start < end; j++) {
      const v = this.list[j];
      const piece = { ...v, start: Math.max(v.start, start), end: Math.min(v.end, end) };
      if (v.start < start) replacement.push({ ...v, end: start });
      const edited = edit(piece);
      if (edited !== null) replacement.push(edited);
      if (v.end > end) replacement.push({ ...v, start: end });
      touched.push(piece);
    }
    this.list.splice(first, j - first, ...replacement);
    this.cache = undefined;
    if (replacement.length > 0) this.mergeAround(first, first + replacement.length - 1);
    return touched;
  }

  /** Merges mergeable neighbours among indices [from-1, to+1]. */
  private mergeAround(from: number, to: number): void {
    let i = Math.max(0, from - 1);
    let last = Math.min(this.list.length - 1, to + 1);
    while (i < last) {
      const a = this.list[i];
      const b = this.list[i + 1];
      if (canMerge(a, b)) {
        this.list.splice(i, 2, { ...a, end: b.end });
        last--;
      } else {
        i++;
      }
    }
    this.cache = undefined;
  }
}

function checkRange(start: number, end: number): void {
  if (start % PAGE_SIZE !== 0 || end % PAGE_SIZE !== 0 || start >= end || start < 0) {
    throw new Error(`VmaSet: bad range [${hex(start)}, ${hex(end)})`);
  }
}

function hex(x: number): string {
  return '0x' + x.toString(16);
}
