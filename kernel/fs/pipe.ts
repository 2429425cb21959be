/**
 * Pipes: a bounded byte queue with a read end and a write end. Reads block while the pipe is empty and has
 * writers, and return 0 (end of file) once every writer is closed; writes block while it is full, and a write
 * with no reader left gets EPIPE and SIGPIPE. Writes of at most PIPE_BUF bytes are atomic. Linux: fs/pipe.c.
 */
import { Errno } from '../uapi/errno.js';
import { SIG } from '../uapi/signal.js';
import { S_IFIFO } from '../uapi/ioctls.js';
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from '../uapi/poll.js';
import { WaitQueue } from '../sched/wait_queue.js';
import { block, type SyscallControl } from '../sched/syscall_control.js';
import { sendSignal } from '../signal.js';
import type { File, FileStat } from './file.js';
import type { Task } from '../sched/task.js';

/** Default pipe capacity (16 pages) and the atomic write size, in bytes. */
export const PIPE_DEF_BUFFERS_BYTES = 65536;
export const PIPE_BUF = 4096;

let nextIno = 1000;

class PipeInode {
  readonly buf = new Uint8Array(PIPE_DEF_BUFFERS_BYTES);
  head = 0;
  len = 0;
  readers = 1;
  writers = 1;
  readonly wait = new WaitQueue();
  readonly ino = nextIno++;

  push(data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) this.buf[(this.head + this.len + i) % this.buf.length] = data[i]!;
    this.len += data.length;
  }

  pull(dst: Uint8Array): number {
    const n = Math.min(dst.length, this.len);
    for (let i = 0; i < n; i++) dst[i] = this.buf[(this.head + i) % this.buf.length]!;
    this.head = (this.head + n) % this.buf.length;
    this.len -= n;
    return n;
  }
}

abstract class PipeEnd implements File {
  constructor(protected readonly inode: PipeInode) {}

  get name(): string {
    return `pipe:[${this.inode.ino}]`;
  }

  abstract read(task: Task, buf: Uint8Array): number | SyscallControl;
  abstract write(task: Task, data: Uint8Array): number | SyscallControl;
  abstract release(): void;

  ioctl(): number {
    return -Errno.ENOTTY;
  }

  stat(): FileStat {
    return { st_dev: 0xe, st_ino: this.inode.ino, st_mode: S_IFIFO | 0o600, st_nlink: 1, st_rdev: 0, st_blksize: 4096 };
  }
}

class PipeReader extends PipeEnd {
  /** Readable when data is queued; POLLHUP once every writer is gone. Linux: pipe_poll(). */
  poll() {
    const p = this.inode;
    const revents = (p.len > 0 ? POLLIN | POLLRDNORM : 0) | (p.writers === 0 ? POLLHUP : 0);
    return { revents, queue: p.wait };
  }

  read(_task: Task, buf: Uint8Array): number | SyscallControl {
    if (buf.length === 0) return 0;
    const p = this.inode;
    if (p.len === 0) return p.writers === 0 ? 0 : block(p.wait);
    const n = p.pull(buf);
    p.wait.wakeAll();
    return n;
  }

  write(): number {
    return -Errno.EBADF;
  }

  release(): void {
    this.inode.readers--;
    this.inode.wait.wakeAll();
  }
}

class PipeWriter extends PipeEnd {
  /** Writable while PIPE_BUF bytes fit; POLLERR once every reader is gone. Linux: pipe_poll(). */
  poll() {
    const p = this.inode;
    const room = p.buf.length - p.len >= PIPE_BUF;
    return { revents: (room ? POLLOUT | POLLWRNORM : 0) | (p.readers === 0 ? POLLERR : 0), queue: p.wait };
  }

  /** Writes what fits; blocks when nothing fits (or an atomic write does not fit whole). Linux: pipe_write(). */
  write(task: Task, data: Uint8Array): number | SyscallControl {
    const p = this.inode;
    if (p.readers === 0) {
      sendSignal(null, task, SIG.SIGPIPE);
      return -Errno.EPIPE;
    }
    if (data.length === 0) return 0;
    const room = p.buf.length - p.len;
    if (room === 0 || (data.length <= PIPE_BUF && room < data.length)) return block(p.wait);
    const n = Math.min(room, data.length);
    p.push(data.subarray(0, n));
    p.wait.wakeAll();
    return n;
  }

  read(): number {
    return -Errno.EBADF;
  }

  release(): void {
    this.inode.writers--;
    this.inode.wait.wakeAll();
  }
}

/** A new pipe: [read end, write end]. Linux: create_pipe_files(). */
export function createPipe(): [File, File] {
  const inode = new PipeInode();
  return [new PipeReader(inode), new PipeWriter(inode)];
}
