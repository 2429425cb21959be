/**
 * Strings and buffers in strace's quoting: `"Hello\n"`, printable ASCII as is, `\t \n \v \f \r \" \\` escaped, other
 * bytes in octal with as few digits as possible (three when an octal digit follows), or every byte as `\xNN` in
 * hex mode (getrandom). Buffers longer than STRACE_STRLEN print their first 32 bytes and `...` after the quote.
 */
import type { Task } from '../sched/task.js';
import { peekBytes, peekCString } from './peek.js';

/** strace's default -s: bytes of a buffer printed before `...`. */
export const STRACE_STRLEN = 32;

/** Linux's PATH_MAX: a path argument is read up to this many bytes. */
export const PATH_MAX = 4096;

const ESCAPES: Readonly<Record<number, string>> = { 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 34: '\\"', 92: '\\\\' };

/** The bytes quoted as strace prints them (with the surrounding double quotes). */
export function quoteBytes(bytes: Uint8Array, hexMode = false): string {
  let s = '"';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (hexMode) s += '\\x' + c.toString(16).padStart(2, '0');
    else if (ESCAPES[c] !== undefined) s += ESCAPES[c];
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += octalEscape(c, bytes[i + 1]);
  }
  return s + '"';
}

function octalEscape(c: number, next: number | undefined): string {
  const nextIsOctal = next !== undefined && next >= 0x30 && next <= 0x37;
  const digits = c.toString(8);
  return '\\' + (nextIsOctal ? digits.padStart(3, '0') : digits);
}

/** "NULL" or "0x..." for a pointer strace could not or would not read. */
export function formatAddr(addr: number | bigint): string {
  const v = BigInt(addr);
  return v === 0n ? 'NULL' : '0x' + BigInt.asUintN(64, v).toString(16);
}

/**
 * A buffer of len bytes at addr (strace printstrn): the first STRACE_STRLEN bytes quoted, `...` when longer; the
 * address when those bytes cannot all be read; NULL for 0.
 */
export function formatBuffer(task: Task, addr: number, len: number, hexMode = false): string {
  if (addr === 0) return 'NULL';
  const want = Math.max(0, Math.min(len, STRACE_STRLEN));
  const bytes = peekBytes(task, addr, want);
  if (bytes.length < want) return formatAddr(addr);
  return quoteBytes(bytes, hexMode) + (len > STRACE_STRLEN ? '...' : '');
}

/** A path argument (strace printpath): quoted in full up to PATH_MAX, `...` when unterminated, else the address. */
export function formatPath(task: Task, addr: number): string {
  if (addr === 0) return 'NULL';
  const s = peekCString(task, addr, PATH_MAX);
  if (!s) return formatAddr(addr);
  return quoteBytes(s.bytes) + (s.terminated ? '' : '...');
}
