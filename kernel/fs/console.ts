/**
 * The guest's standard streams: a File whose reads and writes go to a host fd through HostIo. fstat reports the
 * host fd's type (a tty as /dev/pts/N, a pipe, a regular file or another character device), which also decides
 * how a write from a partly unreadable buffer ends (see fs/read_write.ts).
 */
import { Errno } from '../uapi/errno.js';
import type { File, FileStat } from './file.js';
import type { HostFdKind, HostIo } from './host_io.js';
import type { Task } from '../sched/task.js';
import { TCGETS, TIOCGWINSZ, S_IFCHR, S_IFIFO, S_IFREG, winsizeBytes, termiosBytes } from '../uapi/ioctls.js';
import { copyToUser } from '../uaccess.js';
import { sendSignal } from '../signal.js';
import { SIG } from '../uapi/signal.js';

/** st_mode and the /proc/self/fd link text of each kind of host fd. */
const MODES: Record<HostFdKind, number> = {
  tty: S_IFCHR | 0o620, fifo: S_IFIFO | 0o600, file: S_IFREG | 0o644, chr: S_IFCHR | 0o666,
};
const NAMES: Record<HostFdKind, (fd: number) => string> = {
  tty: () => '/dev/pts/0', fifo: (fd) => `pipe:[${fd}]`, file: (fd) => `/proc/self/fd/${fd}`, chr: () => '/dev/null',
};

export class ConsoleFile implements File {
  readonly name: string;

  private readonly kind: HostFdKind;

  constructor(
    private readonly io: HostIo,
    readonly hostFd: number,
  ) {
    this.kind = io.kind(hostFd);
    this.name = NAMES[this.kind](hostFd);
  }

  read(_task: Task, buf: Uint8Array): number {
    return this.io.read(this.hostFd, buf);
  }

  /** A write to a host pipe whose reader is gone gets -EPIPE and SIGPIPE, as Linux's pipe_write gives. */
  write(task: Task, data: Uint8Array): number {
    const r = this.io.write(this.hostFd, data);
    if (r === -Errno.EPIPE) sendSignal(null, task, SIG.SIGPIPE);
    return r;
  }

  /** TCGETS and TIOCGWINSZ on a tty; -ENOTTY otherwise, as Linux's tty_ioctl() / a pipe answers. */
  ioctl(task: Task, cmd: number, arg: number): number {
    if (!this.io.isatty(this.hostFd)) return -Errno.ENOTTY;
    if (cmd === TIOCGWINSZ) {
      const ws = this.io.winsize(this.hostFd);
      return copyToUser(task, arg, winsizeBytes(ws.rows, ws.cols), 'ioctl:winsize') ? -Errno.EFAULT : 0;
    }
    if (cmd === TCGETS) return copyToUser(task, arg, termiosBytes(), 'ioctl:termios') ? -Errno.EFAULT : 0;
    return -Errno.ENOTTY;
  }

  stat(): FileStat {
    const tty = this.kind === 'tty';
    return {
      st_dev: tty ? 0x18 : 0xe,
      st_ino: 3 + this.hostFd,
      st_mode: MODES[this.kind],
      st_nlink: 1,
      st_rdev: tty ? 0x8800 : 0,
      st_blksize: tty ? 1024 : 4096,
    };
  }

  release(): void {}
}
