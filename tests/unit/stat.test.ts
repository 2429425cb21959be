/**
 * fstat / newfstatat on the console, ioctl dispatch, and readlink of /proc/self/exe. Errors and their order were
 * measured on the reference machine (Linux 6.18, x86-64).
 */
import { describe, it, expect } from 'vitest';
import { bootHarness, MemIo, poke, peek, sysn, SCRATCH } from '../helpers/kernel_harness.js';
import type { HostFdKind } from '../../kernel/fs/host_io.js';
import { ConsoleFile } from '../../kernel/fs/console.js';
import { STAT_SIZE, AT_EMPTY_PATH, AT_FDCWD } from '../../kernel/fs/stat.js';
import { exeLinkTarget } from '../../kernel/fs/readlink.js';
import { Errno } from '../../kernel/uapi/errno.js';
import { setUsercopyObserver } from '../../kernel/uaccess.js';
import type { Task } from '../../kernel/sched/task.js';

class KindIo extends MemIo {
  constructor(private readonly k: HostFdKind) {
    super();
  }
  override kind(): HostFdKind {
    return this.k;
  }
  override isatty(): boolean {
    return this.k === 'tty';
  }
}

function setup(kind: HostFdKind): Task {
  const { init } = bootHarness();
  const io = new KindIo(kind);
  for (const fd of [0, 1, 2]) init.files.installAt(fd, new ConsoleFile(io, fd));
  return init;
}

const STR = SCRATCH + 0x800;
const BUF = SCRATCH + 0x1000;

function cstr(task: Task, at: number, s: string): number {
  poke(task, at, [...new TextEncoder().encode(s), 0]);
  return at;
}

function statFields(task: Task, at: number) {
  const v = new DataView(peek(task, at, STAT_SIZE).buffer);
  return {
    st_dev: v.getBigUint64(0, true), st_ino: v.getBigUint64(8, true), st_nlink: v.getBigUint64(16, true),
    st_mode: v.getUint32(24, true), st_uid: v.getUint32(28, true), st_gid: v.getUint32(32, true),
    st_rdev: v.getBigUint64(40, true), st_size: v.getBigInt64(48, true), st_blksize: v.getBigInt64(56, true),
    st_blocks: v.getBigInt64(64, true),
  };
}

describe('fstat', () => {
  it('a tty console: S_IFCHR|0620, rdev makedev(136, 0) = 0x8800, blksize 1024 (as /dev/pts/0)', () => {
    const task = setup('tty');
    poke(task, BUF, new Uint8Array(STAT_SIZE).fill(0xee));
    expect(sysn(task, 'fstat', 1, BUF)).toBe(0);
    expect(statFields(task, BUF)).toEqual({
      st_dev: 0x18n, st_ino: 4n, st_nlink: 1n, st_mode: 0o20620, st_uid: 0, st_gid: 0, st_rdev: 0x8800n,
      st_size: 0n, st_blksize: 1024n, st_blocks: 0n,
    });
    expect([...peek(task, BUF + 72, STAT_SIZE - 72)].every((b) => b === 0)).toBe(true);
  });

  it('a pipe console: S_IFIFO|0600, st_size 0 (what glibc stdio sees under a shell pipe)', () => {
    const task = setup('fifo');
    expect(sysn(task, 'fstat', 1, BUF)).toBe(0);
    expect(statFields(task, BUF).st_mode).toBe(0o10600);
    expect(statFields(task, BUF).st_rdev).toBe(0n);
  });

  it('EBADF for -1 and a closed fd, EFAULT for NULL', () => {
    const task = setup('tty');
    expect(sysn(task, 'fstat', -1, BUF)).toBe(-Errno.EBADF);
    expect(sysn(task, 'fstat', 99, BUF)).toBe(-Errno.EBADF);
    expect(sysn(task, 'fstat', 1, 0)).toBe(-Errno.EFAULT);
  });
});

describe('newfstatat', () => {
  it('(1, "", AT_EMPTY_PATH) is fstat(1); unknown flags are not checked on that path', () => {
    const task = setup('tty');
    const empty = cstr(task, STR, '');
    expect(sysn(task, 'newfstatat', 1, empty, BUF, AT_EMPTY_PATH)).toBe(0);
    expect(statFields(task, BUF).st_mode).toBe(0o20620);
    expect(sysn(task, 'newfstatat', 1, empty, BUF, AT_EMPTY_PATH | 0x1)).toBe(0);
    expect(sysn(task, 'newfstatat', 1, 0, BUF, AT_EMPTY_PATH)).toBe(0);
  });

  it('the empty-path test is a get_user: no fault-injection point', () => {
    const task = setup('tty');
    const sites: string[] = [];
    setUsercopyObserver({ onCopy: (_t, site) => sites.push(site) });
    try {
      expect(sysn(task, 'newfstatat', 1, cstr(task, STR, ''), BUF, AT_EMPTY_PATH)).toBe(0);
    } finally {
      setUsercopyObserver(null);
    }
    expect(sites).toEqual(['newfstatat:statbuf']);
  });

  it('errors as on 6.18', () => {
    const task = setup('tty');
    const empty = cstr(task, STR, '');
    expect(sysn(task, 'newfstatat', 1, empty, BUF, 0)).toBe(-Errno.ENOENT);
    expect(sysn(task, 'newfstatat', 1, 0, BUF, 0)).toBe(-Errno.EFAULT);
    expect(sysn(task, 'newfstatat', 1, 8, BUF, AT_EMPTY_PATH)).toBe(-Errno.EFAULT);
    expect(sysn(task, 'newfstatat', 99, empty, BUF, AT_EMPTY_PATH)).toBe(-Errno.EBADF);
    expect(sysn(task, 'newfstatat', -5, empty, BUF, AT_EMPTY_PATH)).toBe(-Errno.EBADF);
    expect(sysn(task, 'newfstatat', 1, empty, 8, AT_EMPTY_PATH)).toBe(-Errno.EFAULT);
    expect(sysn(task, 'newfstatat', 1, empty, 0, AT_EMPTY_PATH)).toBe(-Errno.EFAULT);
    expect(sysn(task, 'newfstatat', AT_FDCWD, cstr(task, STR, '/nonexistent'), BUF, 0x1)).toBe(-Errno.EINVAL);
    expect(sysn(task, 'newfstatat', AT_FDCWD, cstr(task, STR, '/nonexistent'), BUF, 0)).toBe(-Errno.ENOENT);
    expect(sysn(task, 'newfstatat', 99, cstr(task, STR, 'rel'), BUF, 0)).toBe(-Errno.EBADF);
    expect(sysn(task, 'newfstatat', 99, cstr(task, STR, '/abs/nonexist'), BUF, 0)).toBe(-Errno.ENOENT);
    poke(task, SCRATCH, new Uint8Array(4999).fill(0x61));
    poke(task, SCRATCH + 4999, [0]);
    expect(sysn(task, 'newfstatat', AT_FDCWD, SCRATCH, BUF, 0)).toBe(-Errno.ENAMETOOLONG);
  });
});

describe('ioctl', () => {
  it('TIOCGWINSZ on a tty fills struct winsize; a pipe is ENOTTY; a closed fd EBADF', () => {
    const tty = setup('tty');
    expect(sysn(tty, 'ioctl', 1, 0x5413, BUF)).toBe(0);
    expect([...peek(tty, BUF, 8)]).toEqual([24, 0, 80, 0, 0, 0, 0, 0]);
    const pipe = setup('fifo');
    expect(sysn(pipe, 'ioctl', 1, 0x5413, BUF)).toBe(-Errno.ENOTTY);
    expect(sysn(pipe, 'ioctl', 99, 0x5413, 0)).toBe(-Errno.EBADF);
    expect(sysn(pipe, 'ioctl', -1, 0x5413, 0)).toBe(-Errno.EBADF);
  });
});

describe('readlink', () => {
  it('/proc/self/exe: the absolute exe path, truncated without NUL to bufsiz', () => {
    const task = setup('fifo');
    task.exePath = '/tmp/st/hello-glibc';
    const path = cstr(task, STR, '/proc/self/exe');
    poke(task, BUF, new Uint8Array(128).fill(0xee));
    expect(sysn(task, 'readlink', path, BUF, 4096)).toBe(19);
    expect(new TextDecoder().decode(peek(task, BUF, 19))).toBe('/tmp/st/hello-glibc');
    expect(peek(task, BUF, 20)[19]).toBe(0xee);
    expect(sysn(task, 'readlink', path, BUF + 100, 4)).toBe(4);
    expect([...peek(task, BUF + 100, 5)]).toEqual([...new TextEncoder().encode('/tmp'), 0xee]);
  });

  it('a relative exePath is made absolute against the working directory', () => {
    const task = setup('fifo');
    task.exePath = 'guest/build/hello';
    expect(exeLinkTarget(task)).toBe(`${process.cwd()}/guest/build/hello`);
  });

  it('errors as on 6.18: EINVAL for bufsiz <= 0 (first), NULL or "" path; EFAULT buffer; ENOENT others', () => {
    const task = setup('fifo');
    const path = cstr(task, STR, '/proc/self/exe');
    expect(sysn(task, 'readlink', path, BUF, 0)).toBe(-Errno.EINVAL);
    expect(sysn(task, 'readlink', path, BUF, -1)).toBe(-Errno.EINVAL);
    expect(sysn(task, 'readlink', 0, BUF, 10)).toBe(-Errno.EINVAL);
    expect(sysn(task, 'readlink', cstr(task, STR + 100, ''), BUF, 10)).toBe(-Errno.EINVAL);
    expect(sysn(task, 'readlink', path, 0, 10)).toBe(-Errno.EFAULT);
    expect(sysn(task, 'readlink', path, 8, 10)).toBe(-Errno.EFAULT);
    expect(sysn(task, 'readlink', cstr(task, STR + 200, '/nonexistent'), BUF, 10)).toBe(-Errno.ENOENT);
  });

  it('readlinkat: an absolute path ignores dfd; a relative one needs an open dfd; "" on a pipe is ENOENT', () => {
    const task = setup('fifo');
    task.exePath = '/bin/x';
    expect(sysn(task, 'readlinkat', 99, cstr(task, STR, '/proc/self/exe'), BUF, 10)).toBe(6);
    expect(sysn(task, 'readlinkat', 99, cstr(task, STR + 100, 'rel'), BUF, 10)).toBe(-Errno.EBADF);
    expect(sysn(task, 'readlinkat', 1, cstr(task, STR + 200, ''), BUF, 10)).toBe(-Errno.ENOENT);
    expect(sysn(task, 'readlinkat', AT_FDCWD, cstr(task, STR + 300, '//proc/./self/exe'), BUF, 10)).toBe(6);
  });
});
