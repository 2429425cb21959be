import { describe, it, expect, vi, afterEach } from 'vitest';
import { fakeCpuOf, makeTestTask } from '../helpers/fake_cpu.js';
import {
  TASK_SIZE_MAX, accessOk, checkZeroedUser, clearUser, copyFromUser, copyStructFromUser, copyToUser, getUser32,
  getUser64, putUser32, putUser64, setUsercopyObserver, strncpyFromUser, type UsercopyKind,
} from '../../kernel/uaccess.js';
import type { Task } from '../../kernel/sched/task.js';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE } from '../../kernel/uapi/mman.js';
import { Errno } from '../../kernel/uapi/errno.js';

const P = 0x1000;
const RW = PROT_READ | PROT_WRITE;
const FIXED = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
/** A page boundary with the page below it mapped read-write and the page at it unmapped. */
const B = 0x20001000;

function taskWithPage(prot = RW, at = B - P, pages = 1): Task {
  const task = makeTestTask();
  expect(task.mm.mmap(at, pages * P, prot, FIXED)).toBe(at);
  return task;
}

function poke(task: Task, addr: number, bytes: ArrayLike<number>): void {
  fakeCpuOf(task).write(addr, Uint8Array.from(bytes));
}

function peek(task: Task, addr: number, len: number): number[] {
  const out = new Uint8Array(len);
  fakeCpuOf(task).read(addr, out);
  return [...out];
}

const iota = (n: number, from = 1): number[] => Array.from({ length: n }, (_, i) => (from + i) & 0xff);

afterEach(() => {
  setUsercopyObserver(null);
});

describe('accessOk', () => {
  it('accepts ranges ending at TASK_SIZE_MAX, rejects beyond (spec 6.1, checked on 6.18)', () => {
    expect(TASK_SIZE_MAX).toBe(0x7ffffffff000);
    expect(accessOk(TASK_SIZE_MAX - P, P)).toBe(true);
    expect(accessOk(TASK_SIZE_MAX - P, P + 1)).toBe(false);
    expect(accessOk(TASK_SIZE_MAX, 0)).toBe(true);
    expect(accessOk(2 ** 64 - 8, 16)).toBe(false);
    expect(accessOk(0, 0)).toBe(true);
  });
});

describe('copyFromUser', () => {
  it('T123: 10 readable bytes then an unmapped page -> 6 not copied, tail zeroed', () => {
    const task = taskWithPage();
    poke(task, B - 10, iota(10));
    const dst = new Uint8Array(16).fill(0xee);
    expect(copyFromUser(task, dst, B - 10, 'test:t123')).toBe(6);
    expect([...dst]).toEqual([...iota(10), 0, 0, 0, 0, 0, 0]);
  });

  it('T124: a range crossing TASK_SIZE_MAX copies nothing even if its first bytes are mapped', () => {
    const task = taskWithPage(RW, TASK_SIZE_MAX - P);
    poke(task, TASK_SIZE_MAX - 8, iota(8));
    const dst = new Uint8Array(16).fill(0xee);
    expect(copyFromUser(task, dst, TASK_SIZE_MAX - 8, 'test:t124')).toBe(16);
    expect([...dst]).toEqual(new Array(16).fill(0));
    const ok = new Uint8Array(8);
    expect(copyFromUser(task, ok, TASK_SIZE_MAX - 8, 'test:t124')).toBe(0);
    expect([...ok]).toEqual(iota(8));
  });

  it('stops at a PROT_NONE page and at an exec-only page; write-only pages are readable (x86 pkeys)', () => {
    for (const [prot, notCopied] of [[PROT_NONE, 4], [PROT_EXEC, 4], [PROT_WRITE, 0], [PROT_WRITE | PROT_EXEC, 0]]) {
      const task = taskWithPage(RW, B - P);
      expect(task.mm.mmap(B, P, prot, FIXED)).toBe(B);
      expect(copyFromUser(task, new Uint8Array(8), B - 4, 'test:prot')).toBe(notCopied);
    }
  });

  it('copies across adjacent readable areas; zero length copies nothing and succeeds', () => {
    const task = taskWithPage(RW, B - P);
    task.mm.mmap(B, P, PROT_READ, FIXED);
    poke(task, B - 2, [7, 8, 9, 10]);
    const dst = new Uint8Array(4);
    expect(copyFromUser(task, dst, B - 2, 'test:span')).toBe(0);
    expect([...dst]).toEqual([7, 8, 9, 10]);
    expect(copyFromUser(task, new Uint8Array(0), 0x1234, 'test:empty')).toBe(0);
  });

  it('a buffer inside one VMA costs exactly one cpu.read', () => {
    const task = taskWithPage(RW, B - 4 * P, 4);
    const spy = vi.spyOn(fakeCpuOf(task), 'read');
    expect(copyFromUser(task, new Uint8Array(3 * P), B - 4 * P + 5, 'test:fast')).toBe(0);
    expect(spy).toHaveBeenCalledTimes(1);
  });
});

describe('copyToUser', () => {
  it('stops at the first read-only page and leaves what it wrote', () => {
    const task = taskWithPage(RW, B - P);
    task.mm.mmap(B, P, PROT_READ, FIXED);
    expect(copyToUser(task, B - 6, Uint8Array.from(iota(16)), 'test:ro')).toBe(10);
    expect(peek(task, B - 6, 16)).toEqual([...iota(6), ...new Array(10).fill(0)]);
  });

  it('writes nothing when accessOk fails or the first page is unmapped', () => {
    const task = taskWithPage(RW, TASK_SIZE_MAX - P);
    expect(copyToUser(task, TASK_SIZE_MAX - 8, new Uint8Array(16).fill(1), 'test:ok')).toBe(16);
    expect(peek(task, TASK_SIZE_MAX - 8, 8)).toEqual(new Array(8).fill(0));
    expect(copyToUser(task, 0x1000, new Uint8Array(4), 'test:unmapped')).toBe(4);
  });

  it('invalidates translated code when it writes to an executable page', () => {
    const task = taskWithPage(RW | PROT_EXEC);
    expect(copyToUser(task, B - 16, new Uint8Array(8), 'test:code')).toBe(0);
    expect(fakeCpuOf(task).invalidated).toEqual([[B - 16, 8]]);
  });
});

describe('getUser / putUser', () => {
  it('read little-endian values; failures give -EFAULT and value 0', () => {
    const task = taskWithPage();
    poke(task, B - 8, [0x78, 0x56, 0x34, 0x12, 0xf0, 0xde, 0xbc, 0x9a]);
    expect(getUser32(task, B - 8, 'test:get')).toEqual({ err: 0, value: 0x12345678 });
    expect(getUser64(task, B - 8, 'test:get')).toEqual({ err: 0, value: 0x9abcdef012345678n });
    expect(getUser32(task, B - 2, 'test:get')).toEqual({ err: -Errno.EFAULT, value: 0 });
    expect(getUser64(task, B, 'test:get')).toEqual({ err: -Errno.EFAULT, value: 0n });
    expect(getUser32(task, 2 ** 64 - 4, 'test:get')).toEqual({ err: -Errno.EFAULT, value: 0 });
  });

  it('put is all or nothing: a store crossing into a read-only page writes nothing', () => {
    const task = taskWithPage(RW, B - P);
    task.mm.mmap(B, P, PROT_READ, FIXED);
    expect(putUser32(task, B - 2, 0xdeadbeef, 'test:put')).toBe(-Errno.EFAULT);
    expect(peek(task, B - 2, 4)).toEqual([0, 0, 0, 0]);
    expect(putUser32(task, B - 4, -1, 'test:put')).toBe(0);
    expect(peek(task, B - 4, 4)).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(putUser64(task, B - 12, -2n, 'test:put')).toBe(0);
    expect(getUser64(task, B - 12, 'test:get').value).toBe(0xfffffffffffffffen);
    expect(putUser64(task, B, 1n, 'test:put')).toBe(-Errno.EFAULT);
  });
});

describe('strncpyFromUser', () => {
  const enc = (s: string): number[] => [...new TextEncoder().encode(s)];

  it('returns the length and the bytes without the NUL', () => {
    const task = taskWithPage();
    poke(task, B - 100, [...enc('hello'), 0]);
    const r = strncpyFromUser(task, B - 100, 4096, 'test:str');
    expect(r.ret).toBe(5);
    expect(new TextDecoder().decode(r.bytes)).toBe('hello');
  });

  it('returns maxLen with maxLen bytes when unterminated; 0 for maxLen 0', () => {
    const task = taskWithPage();
    poke(task, B - 100, [...enc('hello'), 0]);
    const r = strncpyFromUser(task, B - 100, 3, 'test:str');
    expect(r.ret).toBe(3);
    expect([...r.bytes]).toEqual(enc('hel'));
    expect(strncpyFromUser(task, B - 100, 0, 'test:str').ret).toBe(0);
  });

  it('is EFAULT when the string runs into an unmapped page, fine when the NUL comes first', () => {
    const task = taskWithPage();
    poke(task, B - 3, enc('abc'));
    expect(strncpyFromUser(task, B - 3, 100, 'test:str').ret).toBe(-Errno.EFAULT);
    expect(strncpyFromUser(task, B - 3, 3, 'test:str').ret).toBe(3);
    poke(task, B - 3, [...enc('ab'), 0]);
    expect(strncpyFromUser(task, B - 3, 100, 'test:str').ret).toBe(2);
  });

  it('is EFAULT at or beyond TASK_SIZE_MAX and when the limit is hit before maxLen', () => {
    const task = taskWithPage(RW, TASK_SIZE_MAX - P);
    poke(task, TASK_SIZE_MAX - 4, enc('abcd'));
    expect(strncpyFromUser(task, TASK_SIZE_MAX - 4, 10, 'test:str').ret).toBe(-Errno.EFAULT);
    expect(strncpyFromUser(task, TASK_SIZE_MAX - 4, 4, 'test:str').ret).toBe(4);
    expect(strncpyFromUser(task, TASK_SIZE_MAX, 10, 'test:str').ret).toBe(-Errno.EFAULT);
  });

  it('reads strings longer than its first buffer across pages', () => {
    const task = taskWithPage(RW, B - 2 * P, 2);
    const s = 'x'.repeat(5000);
    poke(task, B - 2 * P + 10, [...enc(s), 0]);
    const r = strncpyFromUser(task, B - 2 * P + 10, 8192, 'test:str');
    expect(r.ret).toBe(5000);
    expect(r.bytes.length).toBe(5000);
  });
});

describe('copyStructFromUser (spec 3.3, clone_args ksize 88)', () => {
  const KSIZE = 88;
  /** Struct at B - usize - extra so that [src, src+usize+extra) ends at the unmapped page B. */
  function setup(usize: number, extra = 0): { task: Task; src: number } {
    const task = taskWithPage(RW, B - 2 * P, 2);
    const src = B - usize - extra;
    poke(task, src, iota(KSIZE));
    return { task, src };
  }

  it('T09-style: a short struct is copied and the rest zero-filled', () => {
    const { task, src } = setup(64, 100);
    const dst = new Uint8Array(KSIZE).fill(0xee);
    expect(copyStructFromUser(task, dst, src, 64, 'clone3:clone_args')).toBe(0);
    expect([...dst]).toEqual([...iota(64), ...new Array(24).fill(0)]);
  });

  it('T12: bytes 88..95 zero, size 96 -> success', () => {
    const { task, src } = setup(96);
    const dst = new Uint8Array(KSIZE);
    expect(copyStructFromUser(task, dst, src, 96, 'clone3:clone_args')).toBe(0);
    expect([...dst]).toEqual(iota(KSIZE));
  });

  it('T13: byte 95 = 1, size 96 -> E2BIG', () => {
    const { task, src } = setup(96);
    poke(task, src + 95, [1]);
    expect(copyStructFromUser(task, new Uint8Array(KSIZE), src, 96, 'clone3:clone_args')).toBe(-Errno.E2BIG);
  });

  it('T14/T15: byte 96 = 1 is not examined with size 96, is with size 104', () => {
    const { task, src } = setup(104);
    poke(task, src + 96, [1]);
    expect(copyStructFromUser(task, new Uint8Array(KSIZE), src, 96, 'clone3:clone_args')).toBe(0);
    expect(copyStructFromUser(task, new Uint8Array(KSIZE), src, 104, 'clone3:clone_args')).toBe(-Errno.E2BIG);
  });

  it('T17: a 4096-byte buffer with a zero tail -> success', () => {
    const { task, src } = setup(4096);
    expect(copyStructFromUser(task, new Uint8Array(KSIZE), src, 4096, 'clone3:clone_args')).toBe(0);
  });

  it('T19: struct at P-40 with page P unmapped -> EFAULT, destination zeroed', () => {
    const { task } = setup(KSIZE);
    const dst = new Uint8Array(KSIZE).fill(0xee);
    expect(copyStructFromUser(task, dst, B - 40, KSIZE, 'clone3:clone_args')).toBe(-Errno.EFAULT);
    expect(dst.subarray(40).every((b) => b === 0)).toBe(true);
  });

  it('T20: struct at P-88, size 96 -> EFAULT from the tail check', () => {
    const { task } = setup(KSIZE);
    expect(copyStructFromUser(task, new Uint8Array(KSIZE), B - 88, 96, 'clone3:clone_args')).toBe(-Errno.EFAULT);
  });

  it('a non-zero word before the fault wins (E2BIG), a zero one does not (EFAULT)', () => {
    const { task, src } = setup(96); // tail [B-8, B+8): one readable word, then the unmapped page
    expect(copyStructFromUser(task, new Uint8Array(KSIZE), src, 104, 'clone3:clone_args')).toBe(-Errno.EFAULT);
    poke(task, B - 1, [1]);
    expect(copyStructFromUser(task, new Uint8Array(KSIZE), src, 104, 'clone3:clone_args')).toBe(-Errno.E2BIG);
  });

  it('masks the bytes outside an unaligned tail in the first and last word', () => {
    const task = taskWithPage(RW, B - P);
    const base = B - 256; // 8-aligned
    const src = base + 4; // tail starts at base + 92: align 4
    poke(task, src, new Array(KSIZE).fill(0xff)); // struct bytes share the tail's first word
    poke(task, src + 93, [1]); // just past a 93-byte struct, inside the tail's last word
    expect(checkZeroedUser(task, src + KSIZE, 5)).toBe(1);
    expect(copyStructFromUser(task, new Uint8Array(KSIZE), src, 93, 'clone3:clone_args')).toBe(0);
    expect(copyStructFromUser(task, new Uint8Array(KSIZE), src, 94, 'clone3:clone_args')).toBe(-Errno.E2BIG);
  });

  it('checkZeroedUser: 1 for size 0, -EFAULT when the range fails accessOk', () => {
    const task = taskWithPage();
    expect(checkZeroedUser(task, 0x1234, 0)).toBe(1);
    expect(checkZeroedUser(task, TASK_SIZE_MAX - 8, 16)).toBe(-Errno.EFAULT);
  });
});

describe('clearUser', () => {
  it('zeroes up to the first non-writable page and returns the bytes not cleared', () => {
    const task = taskWithPage(RW, B - P);
    task.mm.mmap(B, P, PROT_READ, FIXED);
    poke(task, B - 4, [1, 2, 3, 4]);
    expect(clearUser(task, B - 4, 12, 'test:clear')).toBe(8);
    expect(peek(task, B - 4, 4)).toEqual([0, 0, 0, 0]);
    expect(clearUser(task, TASK_SIZE_MAX - 4, 8, 'test:clear')).toBe(8);
  });
});

describe('usercopy observer', () => {
  it('sees each injection point with site, kind and length; get/put are not points by default', () => {
    const task = taskWithPage();
    const seen: Array<[string, UsercopyKind, number, boolean]> = [];
    setUsercopyObserver({ onCopy: (_t, site, kind, len, injected) => seen.push([site, kind, len, injected]) });
    copyFromUser(task, new Uint8Array(4), B - 8, 'write:buf');
    copyToUser(task, B - 8, new Uint8Array(2), 'read:buf');
    strncpyFromUser(task, B - 8, 16, 'open:path');
    copyStructFromUser(task, new Uint8Array(88), B - 96, 96, 'clone3:clone_args');
    getUser32(task, B - 8, 'wait4:status');
    expect(seen).toEqual([
      ['write:buf', 'from', 4, false], ['read:buf', 'to', 2, false], ['open:path', 'str', 16, false],
      ['clone3:clone_args', 'from', 88, false],
    ]);
  });
});
