/**
 * Idr: the number allocator of one pid namespace, Linux's `struct idr` (lib/idr.c) as kernel/pid.c uses it.
 *
 * A number is in one of three states:
 *   free      -> bit clear, no value;
 *   reserved  -> bit set, no value (alloc_pid stored NULL: taken, but find() does not see it);
 *   published -> bit set, value stored (idr_replace made it visible).
 * Taken numbers are a bitmap of 32-bit words plus a summary bitmap with one bit per full word, so a search skips
 * 32 full words (1024 numbers) per summary word. Values live in pages of 1024 slots created on first use.
 * The bitmap starts at 32768 numbers and doubles on demand up to PID_MAX_LIMIT.
 */
import { Errno } from './uapi/errno.js';

/** Where cyclic allocation wraps to once the cursor has passed it (include/linux/pid.h RESERVED_PIDS). */
export const RESERVED_PIDS = 300;
/** Largest pid_max on 64-bit (include/linux/threads.h PID_MAX_LIMIT, 4 * 1024 * 1024). */
export const PID_MAX_LIMIT = 4194304;

const PAGE_SHIFT = 10;
const PAGE_MASK = (1 << PAGE_SHIFT) - 1;
const INITIAL_WORDS = 1024; // 32768 numbers

/** Index (0..31) of the lowest clear bit of a 32-bit word, or -1 when all 32 bits are set. */
function lowestZero(word: number): number {
  const inv = ~word;
  if (inv === 0) return -1;
  return 31 - Math.clz32(inv & -inv);
}

/** A word with bits 0..bit-1 set: ORed in to ignore the numbers below a search start. */
function belowMask(bit: number): number {
  return (1 << bit) - 1;
}

export class Idr<T> {
  private words = new Uint32Array(INITIAL_WORDS);
  /** Bit w set = words[w] is full (0xffffffff). */
  private full = new Uint32Array(INITIAL_WORDS >>> 5);
  private pages: Array<Array<T | undefined> | undefined> = [];
  private cursor = 0;
  private reservedCount = 0;
  private publishedCount = 0;

  /** The next candidate of cyclic allocation (Linux idr_get_cursor; idr_next). */
  getCursor(): number {
    return this.cursor;
  }

  /** Set the cursor (Linux idr_set_cursor): ns_last_pid writes and the first-allocation rollback use it. */
  setCursor(next: number): void {
    this.cursor = next;
  }

  /** Numbers taken but not yet published (should be 0 between syscalls). */
  get reserved(): number {
    return this.reservedCount;
  }

  /** Numbers published with a value. */
  get published(): number {
    return this.publishedCount;
  }

  /** True when nr is reserved or published. */
  isTaken(nr: number): boolean {
    const w = nr >>> 5;
    return w < this.words.length && (this.words[w]! & (1 << (nr & 31))) !== 0;
  }

  /** The published value of nr, or undefined when nr is free or only reserved (Linux idr_find). */
  find(nr: number): T | undefined {
    return this.pages[nr >>> PAGE_SHIFT]?.[nr & PAGE_MASK];
  }

  /**
   * Reserve the lowest free number in [pidMin, end) starting at max(cursor, pidMin), wrapping once to pidMin; the
   * cursor then points after it. pidMin = RESERVED_PIDS (300) when the cursor is above 300, else 1.
   * `end` is the namespace's pid_max (numbers). Returns the number, or -EAGAIN when none is free.
   * Linux: lib/idr.c idr_alloc_cyclic() as called by kernel/pid.c alloc_pid().
   */
  allocCyclic(end: number): number {
    const pidMin = this.cursor > RESERVED_PIDS ? RESERVED_PIDS : 1;
    const first = Math.max(this.cursor, pidMin);
    let nr = this.findFree(first, end);
    if (nr < 0 && first > pidMin) nr = this.findFree(pidMin, end);
    if (nr < 0) return -Errno.EAGAIN;
    this.take(nr);
    this.cursor = nr + 1;
    return nr;
  }

  /**
   * Reserve exactly nr. The cursor does not move. Returns nr, or -EEXIST when nr is reserved or published.
   * The caller checks the range first: an nr outside 0..PID_MAX_LIMIT-1 throws (an emulator bug, not a guest error).
   * Linux: idr_alloc(idr, NULL, nr, nr + 1) in alloc_pid(), whose -ENOSPC alloc_pid reports as EEXIST.
   */
  allocExact(nr: number): number {
    if (!Number.isInteger(nr) || nr < 0 || nr >= PID_MAX_LIMIT) throw new Error(`idr: number ${nr} out of range`);
    if (this.isTaken(nr)) return -Errno.EEXIST;
    this.take(nr);
    return nr;
  }

  /** Make a reserved number visible with its value (Linux idr_replace). Throws when nr is not reserved. */
  publish(nr: number, value: T): void {
    if (!this.isTaken(nr) || this.find(nr) !== undefined) {
      throw new Error(`idr: publish of ${nr} which is not reserved`);
    }
    const p = nr >>> PAGE_SHIFT;
    const page = (this.pages[p] ??= new Array<T | undefined>(1 << PAGE_SHIFT).fill(undefined));
    page[nr & PAGE_MASK] = value;
    this.reservedCount--;
    this.publishedCount++;
  }

  /** Free a reserved or published number (Linux idr_remove). Throws when nr is free: that is an emulator bug. */
  remove(nr: number): void {
    if (!this.isTaken(nr)) throw new Error(`idr: remove of free number ${nr}`);
    const page = this.pages[nr >>> PAGE_SHIFT];
    if (page !== undefined && page[nr & PAGE_MASK] !== undefined) {
      page[nr & PAGE_MASK] = undefined;
      this.publishedCount--;
    } else {
      this.reservedCount--;
    }
    const w = nr >>> 5;
    this.words[w] = this.words[w]! & ~(1 << (nr & 31));
    this.full[w >>> 5] = this.full[w >>> 5]! & ~(1 << (w & 31));
  }

  /** The lowest taken number >= from, or -1 (Linux idr_get_next, used by find_ge_pid and namespace teardown). */
  nextTaken(from: number): number {
    for (let w = from >>> 5; w < this.words.length; w++) {
      let word = this.words[w]!;
      if (w === from >>> 5) word &= ~belowMask(from & 31);
      if (word !== 0) return w * 32 + (31 - Math.clz32(word & -word));
    }
    return -1;
  }

  /** Every taken number in ascending order with its value (undefined = reserved). For leak checks. */
  *entries(): Generator<[number, T | undefined]> {
    for (let nr = this.nextTaken(0); nr >= 0; nr = this.nextTaken(nr + 1)) yield [nr, this.find(nr)];
  }

  /** The lowest free number in [from, end), or -1. Numbers beyond the bitmap's capacity are free. */
  private findFree(from: number, end: number): number {
    if (from >= end) return -1;
    const w = from >>> 5;
    if (w >= this.words.length) return from;
    const bit = lowestZero(this.words[w]! | belowMask(from & 31));
    let nr: number;
    if (bit >= 0) {
      nr = w * 32 + bit;
    } else {
      const next = this.nextNonFullWord(w + 1);
      nr = next * 32 + (next < this.words.length ? lowestZero(this.words[next]!) : 0);
    }
    return nr < end ? nr : -1;
  }

  /** The first word index >= w that is not full, found through the summary; may equal the word capacity. */
  private nextNonFullWord(w: number): number {
    let s = w >>> 5;
    if (s >= this.full.length) return w;
    let x = this.full[s]! | belowMask(w & 31);
    while (x === -1) {
      s++;
      if (s >= this.full.length) return s * 32;
      x = this.full[s]! | 0;
    }
    return s * 32 + lowestZero(x);
  }

  /** Mark nr taken (reserved), growing the bitmap when nr lies beyond it. */
  private take(nr: number): void {
    const w = nr >>> 5;
    if (w >= this.words.length) this.grow(w);
    this.words[w] = this.words[w]! | (1 << (nr & 31));
    if (this.words[w] === 0xffffffff) this.full[w >>> 5] = this.full[w >>> 5]! | (1 << (w & 31));
    this.reservedCount++;
  }

  /** Double the bitmap until word index w fits. */
  private grow(w: number): void {
    let n = this.words.length;
    while (n <= w) n *= 2;
    const words = new Uint32Array(n);
    words.set(this.words);
    const full = new Uint32Array(n >>> 5);
    full.set(this.full);
    this.words = words;
    this.full = full;
  }
}
