/**
 * read, write, readv, writev and close: moving bytes between guest memory and a File. Linux: fs/read_write.c,
 * lib/iov_iter.c (import_iovec), fs/open.c (close).
 *
 * A buffer that stops being readable part-way: the kernel copies it in chunks and writes whole chunks only, so the
 * result is the bytes of the chunks before the faulting one, or EFAULT when the first chunk faults. The chunk is
 * what the reference machine shows: a page for a pipe (pipe_write), 2048 bytes for a tty (tty_write), one byte
 * for a regular file (generic_perform_write writes the readable prefix) and other devices. (Linux's /dev/null
 * never reads the buffer at all; here every File is handed the bytes, so it gets the readable prefix.) A read
 * takes from the file only what the buffer can hold (whole pages for a pipe), so a read into an unwritable buffer
 * is EFAULT and consumes nothing, as pipe_read does.
 */
import { Errno } from '../uapi/errno.js';
import { S_IFCHR, S_IFIFO } from '../uapi/ioctls.js';
import { PROT_WRITE } from '../uapi/mman.js';
import { accessOk, copyFromUser, copyToUser, getUser64 } from '../uaccess.js';
import { isControl, type SyscallControl, type SyscallResult } from '../sched/syscall_control.js';
import type { Task } from '../sched/task.js';
import type { SyscallArgs } from '../arch/x86/syscall_args.js';
import type { SyscallDef } from '../arch/x86/syscall_def.js';
import type { File } from './file.js';

/** Largest count one read or write moves: INT_MAX rounded down to a page (include/linux/fs.h MAX_RW_COUNT). */
export const MAX_RW_COUNT = 0x7ffff000;

/** Most iovecs one readv/writev takes (include/uapi/linux/uio.h UIO_MAXIOV). */
export const UIO_MAXIOV = 1024;

/** Bytes moved per File call; a multiple of every chunk size, so chunks never straddle two pieces. */
export const RW_PIECE = 1 << 20;

const PAGE_SIZE = 4096;
const TTY_WRITE_CHUNK = 2048;
const S_IFMT = 0o170000;

/** One user buffer: address and length in bytes. */
export interface IoSeg {
  base: number;
  len: number;
}

/** Whether a character device is a terminal: major 4/5 (ttys, /dev/tty) or 136-143 (ptys). */
function isTty(rdev: number): boolean {
  const major = (rdev >> 8) & 0xfff;
  return major === 4 || major === 5 || (major >= 136 && major <= 143);
}

/** Granularity of a partial write to file (bytes). */
function writeChunk(file: File): number {
  const st = file.stat();
  const type = st.st_mode & S_IFMT;
  if (type === S_IFIFO) return PAGE_SIZE;
  return type === S_IFCHR && isTty(st.st_rdev) ? TTY_WRITE_CHUNK : 1;
}

/** Granularity of a partial read from file (bytes). */
function readChunk(file: File): number {
  return (file.stat().st_mode & S_IFMT) === S_IFIFO ? PAGE_SIZE : 1;
}

/** The segments of [from, from+max) bytes into the list, skipping `from` bytes. */
function slice(segs: readonly IoSeg[], from: number, max: number): IoSeg[] {
  const out: IoSeg[] = [];
  let skip = from;
  let left = max;
  for (const s of segs) {
    if (left === 0) break;
    if (skip >= s.len) {
      skip -= s.len;
      continue;
    }
    const len = Math.min(s.len - skip, left);
    out.push({ base: s.base + skip, len });
    left -= len;
    skip = 0;
  }
  return out;
}

function total(segs: readonly IoSeg[]): number {
  return segs.reduce((n, s) => n + s.len, 0);
}

/** Copies the segments into buf (one user copy per segment); returns the bytes before the first fault. */
function gather(task: Task, segs: readonly IoSeg[], buf: Uint8Array, site: string): number {
  let at = 0;
  for (const s of segs) {
    const missing = copyFromUser(task, buf.subarray(at, at + s.len), s.base, site);
    at += s.len - missing;
    if (missing) break;
  }
  return at;
}

/** Copies data out to the segments (one user copy per segment); returns the bytes before the first fault. */
function scatter(task: Task, segs: readonly IoSeg[], data: Uint8Array, site: string): number {
  let at = 0;
  for (const s of segs) {
    if (at >= data.length) break;
    const n = Math.min(s.len, data.length - at);
    const missing = copyToUser(task, s.base, data.subarray(at, at + n), site);
    at += n - missing;
    if (missing) break;
  }
  return at;
}

/** One bounce buffer for every write: File.write consumes its data before returning (pipes copy it). */
const bounce = new Uint8Array(RW_PIECE);

/**
 * Writes the user segments to file in pieces of at most RW_PIECE bytes. Returns the bytes written, -EFAULT when
 * nothing could be read, the file's error or control when it fails before anything was written.
 * Linux: vfs_write() / do_iter_write() with the file's own copy loop.
 */
export function writeSegments(task: Task, file: File, segs: readonly IoSeg[], site: string): number | SyscallControl {
  const want = Math.min(total(segs), MAX_RW_COUNT);
  const chunk = writeChunk(file);
  let written = 0;
  while (written < want) {
    const piece = slice(segs, written, Math.min(RW_PIECE, want - written));
    const buf = bounce.subarray(0, total(piece));
    const readable = gather(task, piece, buf, site);
    const n = readable < buf.length ? readable - (readable % chunk) : buf.length;
    if (n === 0) return written || -Errno.EFAULT;
    const r = file.write(task, buf.subarray(0, n));
    if (isControl(r) || r < 0) return written || r;
    written += r;
    if (r < n || n < buf.length) break;
  }
  return written;
}

/**
 * Bytes at the start of the segments that lie in writable mappings (up to max). Reads only the VMA table, no user
 * memory: it lets a read take from the file no more than can be delivered, as Linux's pipe_read consumes only what
 * copy_page_to_iter copied.
 */
function writablePrefix(task: Task, segs: readonly IoSeg[], max: number): number {
  let n = 0;
  for (const s of segs) {
    for (let a = s.base; a < s.base + s.len && n < max; ) {
      const prot = task.mm.protAt(a);
      if (prot < 0 || !(prot & PROT_WRITE)) return n;
      const step = Math.min(PAGE_SIZE - (a % PAGE_SIZE), s.base + s.len - a, max - n);
      n += step;
      a += step;
    }
    if (n >= max) break;
  }
  return n;
}

/**
 * Reads once from file into the user segments (at most RW_PIECE bytes). Returns the bytes delivered, -EFAULT when
 * none could be, or the file's error or control. The request is cut to the writable part of the buffer (whole
 * pages for a pipe), so a read into an unwritable buffer fails before taking anything from the file; bytes taken
 * but not delivered (an injected fault) are lost, as a tty loses them. Linux: vfs_read() / do_iter_read().
 */
export function readSegments(task: Task, file: File, segs: readonly IoSeg[], site: string): number | SyscallControl {
  const want = Math.min(total(segs), MAX_RW_COUNT, RW_PIECE);
  if (want === 0) return 0;
  const chunk = readChunk(file);
  const writable = writablePrefix(task, segs, want);
  const take = writable < want ? writable - (writable % chunk) : want;
  if (take === 0) return -Errno.EFAULT;
  const buf = new Uint8Array(take);
  const r = file.read(task, buf);
  if (isControl(r) || r <= 0) return r;
  const copied = scatter(task, slice(segs, 0, r), buf.subarray(0, r), site);
  if (copied === r) return r;
  const n = copied - (copied % chunk);
  return n || -Errno.EFAULT;
}

/** read(fd, buf, count): EBADF, EFAULT (range outside user space, nothing delivered). Linux: ksys_read(). */
export function sysRead(task: Task, a: SyscallArgs): SyscallResult {
  const file = task.files.get(a.int(0));
  if (!file) return -Errno.EBADF;
  const buf = a.ptr(1);
  const count = a.size(2);
  if (!accessOk(buf, count)) return -Errno.EFAULT;
  return readSegments(task, file, [{ base: buf, len: count }], 'read:buf');
}

/** write(fd, buf, count): EBADF, EFAULT (range outside user space, or the first chunk unreadable). */
export function sysWrite(task: Task, a: SyscallArgs): SyscallResult {
  const file = task.files.get(a.int(0));
  if (!file) return -Errno.EBADF;
  const buf = a.ptr(1);
  const count = a.size(2);
  if (!accessOk(buf, count)) return -Errno.EFAULT;
  return count === 0 ? 0 : writeSegments(task, file, [{ base: buf, len: count }], 'write:buf');
}

/**
 * Reads an iovec array: segments clamped to MAX_RW_COUNT in total, or -EINVAL (more than UIO_MAXIOV entries, a
 * length negative as ssize_t) or -EFAULT (the array unreadable, a segment outside user space). The array is read
 * with get_user, as Linux's copy_iovec_from_user does, so it is no fault-injection point. nr is an unsigned int.
 * Linux: lib/iov_iter.c __import_iovec().
 */
export function importIovec(task: Task, uvec: number, nr: number, site: string): IoSeg[] | number {
  if (nr === 0) return [];
  if (nr > UIO_MAXIOV) return -Errno.EINVAL;
  if (!accessOk(uvec, nr * 16)) return -Errno.EFAULT;
  const segs: IoSeg[] = [];
  for (let k = 0; k < nr; k++) {
    const len = getUser64(task, uvec + k * 16 + 8, site);
    const base = getUser64(task, uvec + k * 16, site);
    if (len.err || base.err) return -Errno.EFAULT;
    if (BigInt.asIntN(64, len.value) < 0n) return -Errno.EINVAL;
    segs.push({ base: Number(base.value), len: Number(len.value) });
  }
  let sum = 0;
  for (const s of segs) {
    // A single iovec is clamped before its check (import_ubuf), several after (the __import_iovec loop).
    if (!accessOk(s.base, nr === 1 ? Math.min(s.len, MAX_RW_COUNT) : s.len)) return -Errno.EFAULT;
    s.len = Math.min(s.len, MAX_RW_COUNT - sum);
    sum += s.len;
  }
  return segs;
}

function sysReadv(task: Task, a: SyscallArgs): SyscallResult {
  const file = task.files.get(a.int(0));
  if (!file) return -Errno.EBADF;
  const segs = importIovec(task, a.ptr(1), a.uint(2), 'readv:iov');
  if (typeof segs === 'number') return segs;
  return total(segs) === 0 ? 0 : readSegments(task, file, segs, 'readv:buf');
}

function sysWritev(task: Task, a: SyscallArgs): SyscallResult {
  const file = task.files.get(a.int(0));
  if (!file) return -Errno.EBADF;
  const segs = importIovec(task, a.ptr(1), a.uint(2), 'writev:iov');
  if (typeof segs === 'number') return segs;
  return total(segs) === 0 ? 0 : writeSegments(task, file, segs, 'writev:buf');
}

/** close(fd): 0 or EBADF. Linux: fs/open.c sys_close(). */
export function sysClose(task: Task, a: SyscallArgs): SyscallResult {
  return task.files.close(a.int(0));
}

export const readWriteSyscalls: SyscallDef[] = [
  { name: 'read', fn: sysRead, support: 'full', args: ['fd', { buf: 2 }, 'ulong'] },
  { name: 'write', fn: sysWrite, support: 'full', args: ['fd', { buf: 2 }, 'ulong'] },
  { name: 'readv', fn: sysReadv, support: 'full', args: ['fd', 'ptr', 'ulong'] },
  { name: 'writev', fn: sysWritev, support: 'full', args: ['fd', 'ptr', 'ulong'] },
  { name: 'close', fn: sysClose, support: 'full', args: ['fd'] },
];
