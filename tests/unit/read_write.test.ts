/**
 * read, write, readv, writev, close on the console. Expected values were measured on the reference machine
 * (Linux 6.18): a write whose buffer turns unreadable part-way writes whole chunks only (a page for a pipe, 2048
 * bytes for a tty, the readable prefix for a regular file), and EFAULT comes only when the first chunk faults.
 */
import { describe, it, expect } from 'vitest';
import { bootHarness, poke, peek, sysn, SCRATCH } from '../helpers/kernel_harness.js';
import type { HostFdKind, HostIo } from '../../kernel/fs/host_io.js';
import { ConsoleFile } from '../../kernel/fs/console.js';
import { Errno } from '../../kernel/uapi/errno.js';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_NONE, PROT_READ, PROT_WRITE } from '../../kernel/uapi/mman.js';
import { setUsercopyObserver } from '../../kernel/uaccess.js';
import type { Task } from '../../kernel/sched/task.js';

/** An in-memory HostIo whose fds are of one kind, with stdin bytes to read. */
class KindIo implements HostIo {
  readonly out: number[][] = [[], [], []];
  constructor(private readonly k: HostFdKind, private input: number[] = []) {}
  write(fd: number, data: Uint8Array): number {
    this.out[fd]!.push(...data);
    return data.length;
  }
  read(_fd: number, buf: Uint8Array): number {
    const n = Math.min(buf.length, this.input.length);
    buf.set(this.input.splice(0, n));
    return n;
  }
  kind(): HostFdKind {
    return this.k;
  }
  isatty(): boolean {
    return this.k === 'tty';
  }
  winsize() {
    return { rows: 24, cols: 80 };
  }
  text(fd: number): string {
    return new TextDecoder().decode(Uint8Array.from(this.out[fd]!));
  }
}

/** Three pages at P: two read-write (filled with 'A'), the third PROT_NONE (as the native test program). */
const P = 0x20000000;

function setup(kind: HostFdKind, input: number[] = []): { task: Task; io: KindIo } {
  const { init } = bootHarness();
  const io = new KindIo(kind, input);
  for (const fd of [0, 1]) init.files.installAt(fd, new ConsoleFile(io, fd));
  expect(init.mm.mmap(P, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)).toBe(P);
  expect(init.mm.mprotect(P + 8192, 4096, PROT_NONE)).toBe(0);
  poke(init, P, new Uint8Array(8192).fill(0x41));
  return { task: init, io };
}

function iov(task: Task, at: number, segs: Array<[number, number]>): number {
  const b = new Uint8Array(segs.length * 16);
  const v = new DataView(b.buffer);
  segs.forEach(([base, len], i) => {
    v.setBigUint64(i * 16, BigInt(base), true);
    v.setBigUint64(i * 16 + 8, BigInt.asUintN(64, BigInt(len)), true);
  });
  poke(task, at, b);
  return at;
}

describe('write', () => {
  it('writes the bytes and returns the count', () => {
    const { task, io } = setup('fifo');
    poke(task, SCRATCH, new TextEncoder().encode('Hello\n'));
    expect(sysn(task, 'write', 1, SCRATCH, 6)).toBe(6);
    expect(io.text(1)).toBe('Hello\n');
  });

  it('EBADF for a closed fd, checked before the buffer', () => {
    const { task } = setup('fifo');
    expect(sysn(task, 'write', 99, 0, 1)).toBe(-Errno.EBADF);
    expect(sysn(task, 'write', -1, SCRATCH, 1)).toBe(-Errno.EBADF);
  });

  it('a count of 0 writes nothing, even from NULL', () => {
    const { task, io } = setup('fifo');
    expect(sysn(task, 'write', 1, 0, 0)).toBe(0);
    expect(io.out[1]).toEqual([]);
  });

  it('EFAULT (not EINVAL) for a negative count, a NULL buffer, and a range past TASK_SIZE_MAX (as 6.18)', () => {
    const { task } = setup('fifo');
    expect(sysn(task, 'write', 1, SCRATCH, -1)).toBe(-Errno.EFAULT);
    expect(sysn(task, 'write', 1, SCRATCH, 0x8000000000000000n)).toBe(-Errno.EFAULT);
    expect(sysn(task, 'write', 1, 0, 1)).toBe(-Errno.EFAULT);
    expect(sysn(task, 'write', 1, 0x7fffffffe000, 0x1001)).toBe(-Errno.EFAULT);
  });

  it('pipe: whole pages only (write(p+100, 8192) = 4096; a fault in the first page is EFAULT)', () => {
    const { task, io } = setup('fifo');
    expect(sysn(task, 'write', 1, P + 100, 8192)).toBe(4096);
    expect(io.out[1]!.length).toBe(4096);
    expect(sysn(task, 'write', 1, P + 8000, 1000)).toBe(-Errno.EFAULT);
    expect(sysn(task, 'write', 1, P + 8192, 10)).toBe(-Errno.EFAULT);
  });

  it('tty: whole 2048-byte chunks (write(p+100, 8192) = 6144)', () => {
    const { task, io } = setup('tty');
    expect(sysn(task, 'write', 1, P + 100, 8192)).toBe(6144);
    expect(io.out[1]!.length).toBe(6144);
    expect(sysn(task, 'write', 1, P + 8000, 1000)).toBe(-Errno.EFAULT);
  });

  it('regular file: the readable prefix (write(p+8000, 1000) = 192)', () => {
    const { task, io } = setup('file');
    expect(sysn(task, 'write', 1, P + 8000, 1000)).toBe(192);
    expect(io.out[1]).toEqual(new Array(192).fill(0x41));
  });

  it('each buffer is one user copy named write:buf', () => {
    const { task } = setup('fifo');
    const sites: string[] = [];
    setUsercopyObserver({ onCopy: (_t, site) => sites.push(site) });
    try {
      sysn(task, 'write', 1, SCRATCH, 5);
    } finally {
      setUsercopyObserver(null);
    }
    expect(sites).toEqual(['write:buf']);
  });
});

describe('read', () => {
  it('reads what the file has and copies it out', () => {
    const { task } = setup('fifo', [104, 105, 10]);
    expect(sysn(task, 'read', 0, SCRATCH, 100)).toBe(3);
    expect([...peek(task, SCRATCH, 3)]).toEqual([104, 105, 10]);
    expect(sysn(task, 'read', 0, SCRATCH, 100)).toBe(0);
  });

  it('EBADF before anything; EFAULT for a negative count; 0 for count 0 even from NULL', () => {
    const { task } = setup('fifo', [1, 2, 3]);
    expect(sysn(task, 'read', 1000, SCRATCH, -1)).toBe(-Errno.EBADF);
    expect(sysn(task, 'read', 0, SCRATCH, -1)).toBe(-Errno.EFAULT);
    expect(sysn(task, 'read', 0, 0, 0)).toBe(0);
  });

  it('pipe: a buffer faulting after 2 bytes gets EFAULT (native read(p+4094..) on a pipe)', () => {
    const { task } = setup('fifo', new Array(24).fill(0x61));
    expect(sysn(task, 'read', 0, P + 8190, 10)).toBe(-Errno.EFAULT);
  });

  it('a read into an unwritable buffer is EFAULT and takes nothing from the file (pipe_read)', () => {
    const { task } = setup('fifo', [1, 2, 3]);
    expect(sysn(task, 'read', 0, P + 8192, 10)).toBe(-Errno.EFAULT);
    expect(sysn(task, 'read', 0, 0x1000, 10)).toBe(-Errno.EFAULT);
    expect(sysn(task, 'read', 0, SCRATCH, 10)).toBe(3);
  });

  it('tty: the readable prefix is delivered', () => {
    const { task } = setup('tty', new Array(24).fill(0x61));
    expect(sysn(task, 'read', 0, P + 8190, 10)).toBe(2);
    expect([...peek(task, P + 8190, 2)]).toEqual([0x61, 0x61]);
  });
});

describe('writev', () => {
  it('gathers the segments into one write', () => {
    const { task, io } = setup('fifo');
    poke(task, SCRATCH, new TextEncoder().encode('abcd\n'));
    const v = iov(task, SCRATCH + 0x100, [[SCRATCH, 2], [SCRATCH + 2, 3]]);
    expect(sysn(task, 'writev', 1, v, 2)).toBe(5);
    expect(io.text(1)).toBe('abcd\n');
  });

  it('iovcnt: 0 -> 0, 1025 (> UIO_MAXIOV) -> EINVAL, 0x100000001 taken as the unsigned int 1', () => {
    const { task, io } = setup('fifo');
    poke(task, SCRATCH, new TextEncoder().encode('ab'));
    const v = iov(task, SCRATCH + 0x100, [[SCRATCH, 2]]);
    expect(sysn(task, 'writev', 1, v, 0)).toBe(0);
    expect(sysn(task, 'writev', 1, v, 1025)).toBe(-Errno.EINVAL);
    expect(sysn(task, 'writev', 1, v, 0x100000001n)).toBe(2);
    expect(io.text(1)).toBe('ab');
  });

  it('EBADF first, EFAULT for a NULL array, EINVAL for a negative length', () => {
    const { task } = setup('fifo');
    expect(sysn(task, 'writev', 99, 0, 0)).toBe(-Errno.EBADF);
    expect(sysn(task, 'writev', 1, 0, 0)).toBe(0);
    expect(sysn(task, 'writev', 1, 0, 1)).toBe(-Errno.EFAULT);
    const v = iov(task, SCRATCH + 0x100, [[SCRATCH, 2], [SCRATCH, -1]]);
    expect(sysn(task, 'writev', 1, v, 2)).toBe(-Errno.EINVAL);
    const w = iov(task, SCRATCH + 0x200, [[SCRATCH, 2], [0x800000000000, 2]]);
    expect(sysn(task, 'writev', 1, w, 2)).toBe(-Errno.EFAULT);
  });

  it('chunks span segments: {p,4000},{p+8000,1000} -> 4096 on a pipe and a tty, 4192 on a file', () => {
    for (const [kind, want] of [['fifo', 4096], ['tty', 4096], ['file', 4192]] as const) {
      const { task } = setup(kind);
      const v = iov(task, SCRATCH, [[P, 4000], [P + 8000, 1000]]);
      expect(sysn(task, 'writev', 1, v, 2)).toBe(want);
    }
  });

  it('the iovec array is read with get_user: no fault-injection point for it', () => {
    const { task } = setup('fifo');
    const v = iov(task, SCRATCH + 0x100, [[SCRATCH, 1], [SCRATCH, 1]]);
    const sites: string[] = [];
    setUsercopyObserver({ onCopy: (_t, site) => sites.push(site) });
    try {
      expect(sysn(task, 'writev', 1, v, 2)).toBe(2);
    } finally {
      setUsercopyObserver(null);
    }
    expect(sites).toEqual(['writev:buf', 'writev:buf']);
  });
});

describe('readv', () => {
  it('scatters one read over the segments', () => {
    const { task } = setup('fifo', [1, 2, 3, 4, 5]);
    const v = iov(task, SCRATCH + 0x100, [[SCRATCH, 3], [SCRATCH + 10, 50]]);
    expect(sysn(task, 'readv', 0, v, 2)).toBe(5);
    expect([...peek(task, SCRATCH, 3)]).toEqual([1, 2, 3]);
    expect([...peek(task, SCRATCH + 10, 2)]).toEqual([4, 5]);
  });
});

describe('close', () => {
  it('closes once, then EBADF; -1 and 1000 are EBADF', () => {
    const { task } = setup('fifo');
    expect(sysn(task, 'close', 1)).toBe(0);
    expect(sysn(task, 'close', 1)).toBe(-Errno.EBADF);
    expect(sysn(task, 'close', -1)).toBe(-Errno.EBADF);
    expect(sysn(task, 'close', 1000)).toBe(-Errno.EBADF);
  });
});
