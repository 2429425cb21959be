/**
 * File: an open file description (Linux's `struct file`), reduced to what sysemu's guests use: reads, writes,
 * ioctl and the fields fstat reports. Results are counts or -errno; a read may also ask to block.
 */
import type { SyscallControl } from '../sched/syscall_control.js';
import type { Task } from '../sched/task.js';
import type { WaitQueue } from '../sched/wait_queue.js';

/** What fstat reports about a file (struct stat fields). */
export interface FileStat {
  st_dev: number;
  st_ino: number;
  st_mode: number;
  st_nlink: number;
  st_rdev: number;
  st_blksize: number;
}

export interface File {
  /** A short description for traces and /proc links (e.g. "/dev/pts/0", "pipe:[3]"). */
  readonly name: string;
  read(task: Task, buf: Uint8Array): number | SyscallControl;
  write(task: Task, data: Uint8Array): number | SyscallControl;
  ioctl(task: Task, cmd: number, arg: number): number;
  stat(): FileStat;
  /** Called when the last descriptor referring to it is closed. */
  release(): void;
  /**
   * Readiness for poll: POLL* bits that hold now, and the queue woken when they may change. Files without it
   * are always readable and writable (Linux: DEFAULT_POLLMASK).
   */
  poll?(): { revents: number; queue: WaitQueue | null };
}
