/**
 * Fault-tolerant reads of guest memory for trace formatting, as strace reads a tracee with process_vm_readv: page by
 * page through the task's CPU, stopping at the first page that cannot be read, never throwing. Not a user copy: no
 * fault injection, no usercopy observer, no protection check (strace sees PROT_NONE pages too, through ptrace).
 */
import type { Task } from '../sched/task.js';

const PAGE_SIZE = 4096;
const ADDR_LIMIT = 2 ** 47;

/** Up to len bytes at addr (bytes); shorter when a page is unmapped or the range leaves user space. */
export function peekBytes(task: Task, addr: number, len: number): Uint8Array {
  if (addr <= 0 || len <= 0 || addr >= ADDR_LIMIT) return new Uint8Array(0);
  const n = Math.min(len, ADDR_LIMIT - addr);
  const out = new Uint8Array(n);
  let done = 0;
  while (done < n) {
    const step = Math.min(PAGE_SIZE - ((addr + done) % PAGE_SIZE), n - done);
    if (!readPiece(task, addr + done, out.subarray(done, done + step))) break;
    done += step;
  }
  return out.subarray(0, done);
}

/** The whole len bytes at addr, or null when any of them cannot be read. */
export function peekExact(task: Task, addr: number, len: number): Uint8Array | null {
  const b = peekBytes(task, addr, len);
  return b.length === len ? b : null;
}

/** A little-endian u64 at addr, or null. */
export function peekU64(task: Task, addr: number): bigint | null {
  const b = peekExact(task, addr, 8);
  return b ? new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true) : null;
}

/** A little-endian u32 at addr, or null. */
export function peekU32(task: Task, addr: number): number | null {
  const b = peekExact(task, addr, 4);
  return b ? new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true) : null;
}

/**
 * A NUL-terminated string of at most max bytes at addr: the bytes before the NUL and whether a NUL was seen within
 * max bytes; null when a fault comes before the NUL (and before max bytes).
 */
export function peekCString(task: Task, addr: number, max: number): { bytes: Uint8Array; terminated: boolean } | null {
  const chunks: Uint8Array[] = [];
  let got = 0;
  while (got < max) {
    const step = Math.min(PAGE_SIZE - ((addr + got) % PAGE_SIZE), max - got);
    const piece = peekBytes(task, addr + got, step);
    const nul = piece.indexOf(0);
    if (nul >= 0) return { bytes: concat([...chunks, piece.subarray(0, nul)]), terminated: true };
    if (piece.length < step) return null;
    chunks.push(piece);
    got += step;
  }
  return { bytes: concat(chunks), terminated: false };
}

function readPiece(task: Task, addr: number, dst: Uint8Array): boolean {
  try {
    task.mm.cpu.read(addr, dst);
    return true;
  } catch {
    return false;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
