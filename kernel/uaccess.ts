/**
 * The only door from syscalls to guest memory, with Linux's contracts (include/linux/uaccess.h, lib/usercopy.c,
 * lib/strncpy_from_user.c, arch/x86/include/asm/uaccess_64.h). The CPU's read/write fail whole on any unmapped
 * byte and ignore protections, so these functions walk the task's VMAs and copy the accessible prefix, exact to the
 * byte. A range inside one accessible VMA costs one CPU call.
 *
 * Every function names its call site (`clone3:clone_args`, `write:buf`). Fault-injection points (spec 6.3):
 * copyFromUser, copyToUser, strncpyFromUser and the main copy of copyStructFromUser, plus get/put/clearUser when
 * FaultAttr.failGetPutUser is on. checkZeroedUser is never one. An observer, when set, sees exactly those points
 * in order, so its k-th event is what fail-nth = k fails.
 *
 * Readability follows the reference machine (x86 with protection keys): a page is readable by the kernel when it
 * has PROT_READ or PROT_WRITE (write-only pages are readable; PROT_EXEC alone gets an execute-only key and is not).
 * Writable means PROT_WRITE.
 */
import type { Task } from './sched/task.js';
import type { MmStruct } from './mm/mm_struct.js';
import { Errno } from './uapi/errno.js';
import { faultAttrOf, shouldFailUsercopy } from './fault_inject.js';
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, TASK_SIZE_MAX } from './uapi/mman.js';

export { TASK_SIZE_MAX };

/** Which uaccess function made a fault-injection check. */
export type UsercopyKind = 'from' | 'to' | 'str' | 'get' | 'put' | 'clear';

/** Sees every fault-injection check: task, site, kind, length in bytes, and whether a failure was injected. */
export interface UsercopyObserver {
  onCopy(task: Task, site: string, kind: UsercopyKind, len: number, injected: boolean): void;
}

let observer: UsercopyObserver | null = null;

/** Installs (or with null removes) the observer; returns the previous one. Costs nothing while unset. */
export function setUsercopyObserver(o: UsercopyObserver | null): UsercopyObserver | null {
  const prev = observer;
  observer = o;
  return prev;
}

/**
 * Whether [addr, addr+len) is a user range: no wrap and ending at or below TASK_SIZE_MAX (0x7ffffffff000). Bytes.
 * Linux: arch/x86 __access_ok() (the strict rule of spec 6.1).
 */
export function accessOk(addr: number, len: number): boolean {
  return addr >= 0 && len >= 0 && addr + len <= TASK_SIZE_MAX;
}

/**
 * Copies dst.length bytes from user address src into dst. Returns the number of bytes NOT copied (0 = success);
 * bytes are copied in address order up to the first unreadable byte and the rest of dst is zero-filled. A range
 * failing accessOk copies nothing. Linux: copy_from_user() / _inline_copy_from_user().
 */
export function copyFromUser(task: Task, dst: Uint8Array, src: number, site: string): number {
  const n = dst.length;
  const allowed = injectionPoint(task, site, 'from', n);
  const copied = accessOk(src, n) ? readUser(task.mm, src, dst, Math.min(n, allowed)) : 0;
  if (copied < n) dst.fill(0, copied);
  return n - copied;
}

/**
 * Copies src to user address dst. Returns the number of bytes NOT copied; stops at the first non-writable byte and
 * leaves what it wrote before it. A range failing accessOk writes nothing. Linux: copy_to_user().
 */
export function copyToUser(task: Task, dst: number, src: Uint8Array, site: string): number {
  const n = src.length;
  const allowed = injectionPoint(task, site, 'to', n);
  const copied = accessOk(dst, n) ? writeUser(task.mm, dst, src, Math.min(n, allowed)) : 0;
  return n - copied;
}

/** The result of a get_user: err 0 or -EFAULT, and the value (0 on failure, as Linux stores). */
export interface GetUserResult<T> {
  readonly err: number;
  readonly value: T;
}

const scratch = new Uint8Array(8);
const scratchView = new DataView(scratch.buffer);
const scratch4 = scratch.subarray(0, 4);

/** Reads a little-endian u32 at addr. Linux: get_user() of a u32 (one access: all or nothing). */
export function getUser32(task: Task, addr: number, site: string): GetUserResult<number> {
  if (!getPutAllowed(task, site, 'get', 4) || readWhole(task.mm, addr, scratch4) !== 0) return { err: -Errno.EFAULT, value: 0 };
  return { err: 0, value: scratchView.getUint32(0, true) };
}

/** Reads a little-endian u64 at addr. Linux: get_user() of a u64. */
export function getUser64(task: Task, addr: number, site: string): GetUserResult<bigint> {
  if (!getPutAllowed(task, site, 'get', 8) || readWhole(task.mm, addr, scratch) !== 0) return { err: -Errno.EFAULT, value: 0n };
  return { err: 0, value: scratchView.getBigUint64(0, true) };
}

/** Writes value (taken modulo 2^32) as a little-endian u32; 0 or -EFAULT, nothing written on failure. */
export function putUser32(task: Task, addr: number, value: number, site: string): number {
  scratchView.setUint32(0, value >>> 0, true);
  return getPutAllowed(task, site, 'put', 4) ? writeWhole(task.mm, addr, scratch4) : -Errno.EFAULT;
}

/** Writes value (taken modulo 2^64) as a little-endian u64; 0 or -EFAULT, nothing written on failure. */
export function putUser64(task: Task, addr: number, value: bigint, site: string): number {
  scratchView.setBigUint64(0, BigInt.asUintN(64, value), true);
  return getPutAllowed(task, site, 'put', 8) ? writeWhole(task.mm, addr, scratch) : -Errno.EFAULT;
}

/** strncpyFromUser's answer: ret is the string length, maxLen when unterminated, or -EFAULT; bytes exclude NUL. */
export interface StrncpyResult {
  readonly ret: number;
  readonly bytes: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/**
 * Copies a NUL-terminated string of at most maxLen bytes from src. ret = its length without the NUL; maxLen when no
 * NUL occurs in the first maxLen bytes (bytes then holds maxLen bytes); 0 when maxLen <= 0; -EFAULT when an
 * unreadable byte or TASK_SIZE_MAX comes before the NUL. Linux: lib/strncpy_from_user.c strncpy_from_user().
 */
export function strncpyFromUser(task: Task, src: number, maxLen: number, site: string): StrncpyResult {
  const allowed = injectionPoint(task, site, 'str', maxLen);
  if (allowed === 0) return { ret: -Errno.EFAULT, bytes: EMPTY };
  if (maxLen <= 0) return { ret: 0, bytes: EMPTY };
  if (src < 0 || src >= TASK_SIZE_MAX) return { ret: -Errno.EFAULT, bytes: EMPTY };
  const max = Math.min(maxLen, TASK_SIZE_MAX - src, allowed);
  let buf: Uint8Array = new Uint8Array(Math.min(max, 256));
  let got = 0;
  while (got < max) {
    // One page at a time, so a short string next to an unmapped page is found without touching it.
    const step = Math.min(PAGE_SIZE - ((src + got) % PAGE_SIZE), max - got);
    if (got + step > buf.length) buf = grow(buf, got + step);
    const n = readUser(task.mm, src + got, buf.subarray(got, got + step), step);
    const nul = buf.subarray(got, got + n).indexOf(0);
    if (nul >= 0) return { ret: got + nul, bytes: buf.slice(0, got + nul) };
    got += n;
    if (n < step) break;
  }
  return got >= maxLen ? { ret: maxLen, bytes: buf.subarray(0, maxLen) } : { ret: -Errno.EFAULT, bytes: EMPTY };
}

/**
 * Checks that the user bytes [from, from+size) are all zero: 1 when they are, 0 when one is not, -EFAULT when the
 * range fails accessOk or a fault comes before a non-zero word. Reads aligned 8-byte words lowest first, masking the
 * bytes outside the range in the first and last word. Not a fault-injection point. Linux: check_zeroed_user().
 */
export function checkZeroedUser(task: Task, from: number, size: number): number {
  if (size === 0) return 1;
  const align = from % 8;
  const base = from - align;
  const span = size + align;
  if (!accessOk(base, span)) return -Errno.EFAULT;
  const wordsEnd = Math.ceil(span / 8) * 8;
  const buf = new Uint8Array(Math.min(wordsEnd, PAGE_SIZE));
  for (let off = 0; off < wordsEnd; off += buf.length) {
    const len = Math.min(buf.length, wordsEnd - off);
    const part = buf.subarray(0, len);
    const got = readUser(task.mm, base + off, part, len);
    // got is a multiple of 8: faults happen at page boundaries, which are word boundaries.
    for (let i = Math.max(0, align - off); i < got && off + i < span; i++) if (part[i] !== 0) return 0;
    if (got < len) return -Errno.EFAULT;
  }
  return 1;
}

/**
 * Copies a versioned struct of usize user bytes into dst (the kernel's ksize = dst.length bytes). usize < ksize:
 * the missing tail is zeroed; usize > ksize: the extra user bytes must be zero, checked first (-E2BIG when one is
 * not, -EFAULT on a fault); then min(ksize, usize) bytes are copied (-EFAULT if short). Returns 0 or -errno.
 * Linux: include/linux/uaccess.h copy_struct_from_user() (spec 3.3).
 */
export function copyStructFromUser(task: Task, dst: Uint8Array, src: number, usize: number, site: string): number {
  const ksize = dst.length;
  const size = Math.min(ksize, usize);
  if (usize < ksize) {
    dst.fill(0, size);
  } else if (usize > ksize) {
    const zeroed = checkZeroedUser(task, src + size, usize - size);
    if (zeroed <= 0) return zeroed === 0 ? -Errno.E2BIG : zeroed;
  }
  return copyFromUser(task, dst.subarray(0, size), src, site) === 0 ? 0 : -Errno.EFAULT;
}

const ZEROS = new Uint8Array(1 << 16);

/**
 * Zeroes len user bytes at addr; returns the number NOT cleared (stops at the first non-writable byte; nothing when
 * accessOk fails). Linux: clear_user().
 */
export function clearUser(task: Task, addr: number, len: number, site: string): number {
  const allowed = getPutAllowed(task, site, 'clear', len) ? len : 0;
  if (!accessOk(addr, len)) return len;
  let done = 0;
  while (done < allowed) {
    const step = Math.min(ZEROS.length, allowed - done);
    const wrote = writeUser(task.mm, addr + done, ZEROS.subarray(0, step), step);
    done += wrote;
    if (wrote < step) break;
  }
  return len - done;
}

/**
 * Consults the injector (and the observer). Returns how many bytes may be copied before an injected fault:
 * Infinity when none is injected, the FaultAttr offset (0 = nothing) when one is.
 */
function injectionPoint(task: Task, site: string, kind: UsercopyKind, len: number): number {
  const d = shouldFailUsercopy(task, site, len);
  if (observer !== null) observer.onCopy(task, site, kind, len, d !== false);
  return d === false ? Infinity : d.offset;
}

/** get/put/clear are injection points only with FaultAttr.failGetPutUser; a single access fails whole. */
function getPutAllowed(task: Task, site: string, kind: UsercopyKind, len: number): boolean {
  const attr = faultAttrOf(task);
  if (attr === null || !attr.failGetPutUser) return true;
  return injectionPoint(task, site, kind, len) >= len;
}

function isReadable(prot: number): boolean {
  return (prot & (PROT_READ | PROT_WRITE)) !== 0;
}

/** Copies up to len bytes from addr into dst[0..len) through readable VMAs; returns how many were copied. */
function readUser(mm: MmStruct, addr: number, dst: Uint8Array, len: number): number {
  const first = mm.findVmaForAccess(addr);
  if (first !== undefined && addr + len <= first.end && isReadable(first.prot)) {
    if (len > 0) mm.cpu.read(addr, len === dst.length ? dst : dst.subarray(0, len));
    return len;
  }
  let done = 0;
  while (done < len) {
    const v = mm.findVmaForAccess(addr + done);
    if (v === undefined || !isReadable(v.prot)) break;
    const step = Math.min(v.end - (addr + done), len - done);
    mm.cpu.read(addr + done, dst.subarray(done, done + step));
    done += step;
  }
  return done;
}

/** Copies up to len bytes of src to addr through writable VMAs; returns how many were written. */
function writeUser(mm: MmStruct, addr: number, src: Uint8Array, len: number): number {
  let done = 0;
  while (done < len) {
    const v = mm.findVmaForAccess(addr + done);
    if (v === undefined || !(v.prot & PROT_WRITE)) break;
    const step = Math.min(v.end - (addr + done), len - done);
    mm.cpu.write(addr + done, step === src.length ? src : src.subarray(done, done + step));
    if (v.prot & PROT_EXEC) mm.cpu.invalidateCode(addr + done, step);
    done += step;
  }
  return done;
}

/** One all-or-nothing read (a single get_user access): 0 or -EFAULT. */
function readWhole(mm: MmStruct, addr: number, dst: Uint8Array): number {
  if (!accessOk(addr, dst.length)) return -Errno.EFAULT;
  return readUser(mm, addr, dst, dst.length) === dst.length ? 0 : -Errno.EFAULT;
}

/** One all-or-nothing write (a faulting store writes nothing): 0 or -EFAULT. */
function writeWhole(mm: MmStruct, addr: number, src: Uint8Array): number {
  if (!accessOk(addr, src.length)) return -Errno.EFAULT;
  const end = addr + src.length;
  for (let a = addr; a < end; ) {
    const v = mm.findVmaForAccess(a);
    if (v === undefined || !(v.prot & PROT_WRITE)) return -Errno.EFAULT;
    a = v.end;
  }
  writeUser(mm, addr, src, src.length);
  return 0;
}

function grow(buf: Uint8Array, need: number): Uint8Array {
  const next = new Uint8Array(Math.max(need, buf.length * 2));
  next.set(buf);
  return next;
}
