/**
 * A pidfd: a file that refers to a process (its Pid object), made by CLONE_PIDFD or pidfd_open. It keeps the Pid
 * object, not its numbers. Reads and writes fail with EINVAL as on Linux; poll reports readable once the process
 * has exited. Linux: kernel/pid.c pidfd_create(), fs/pidfs.c.
 */
import { Errno } from '../uapi/errno.js';
import { POLLHUP, POLLIN, POLLRDNORM } from '../uapi/poll.js';
import { findPidNs, nsOfPid, pidTask, PidType, type Pid } from '../pid.js';
import type { Task } from '../sched/task.js';
import type { SyscallArgs } from '../arch/x86/syscall_args.js';
import type { SyscallDef } from '../arch/x86/syscall_def.js';
import { WaitQueue } from '../sched/wait_queue.js';
import type { File, FileStat } from './file.js';

/** Pollers of each process's pidfds (Linux pid->wait_pidfd). */
const pidfdWaiters = new WeakMap<Pid, WaitQueue>();

function waitersOf(pid: Pid): WaitQueue {
  let q = pidfdWaiters.get(pid);
  if (!q) pidfdWaiters.set(pid, (q = new WaitQueue()));
  return q;
}

/** Wakes the pidfd pollers of a process whose last thread exited. Linux: do_notify_pidfd(). */
export function notifyPidfd(pid: Pid): void {
  pidfdWaiters.get(pid)?.wakeAll();
}

export class PidfdFile implements File {
  readonly name = 'anon_inode:[pidfd]';

  constructor(readonly pid: Pid) {}

  read(): number {
    return -Errno.EINVAL;
  }

  write(): number {
    return -Errno.EINVAL;
  }

  ioctl(): number {
    return -Errno.ENOTTY;
  }

  stat(): FileStat {
    return { st_dev: 0xf, st_ino: 1000 + this.pid.nrAt(0), st_mode: 0o600, st_nlink: 1, st_rdev: 0, st_blksize: 4096 };
  }

  release(): void {}

  /**
   * POLLIN once the process has exited (every thread gone), plus POLLHUP once it was reaped. Linux:
   * pidfd_poll().
   */
  poll() {
    const t = this.pid.freed ? null : pidTask(this.pid, PidType.TGID);
    const exited = t === null || (t.exited && t.group.threads.size === 0);
    const revents = t === null ? POLLIN | POLLRDNORM | POLLHUP : exited ? POLLIN | POLLRDNORM : 0;
    return { revents, queue: waitersOf(this.pid) };
  }
}

/** pidfd_open's flags: PIDFD_NONBLOCK (O_NONBLOCK) and, since 6.9, PIDFD_THREAD (O_EXCL). */
const PIDFD_NONBLOCK = 0o4000;
const PIDFD_THREAD = 0o200;

/**
 * pidfd_open(pid, flags): a close-on-exec pidfd for process pid of the caller's namespace, or -EINVAL (pid <= 0,
 * unknown flags, pid names a thread that is not a group leader without PIDFD_THREAD), -ESRCH (no such task),
 * -EMFILE. Linux: kernel/pid.c sys_pidfd_open().
 */
function sysPidfdOpen(task: Task, a: SyscallArgs): number {
  const nr = a.int(0);
  const flags = a.uint(1);
  if (flags & ~(PIDFD_NONBLOCK | PIDFD_THREAD) || nr <= 0) return -Errno.EINVAL;
  const pid = findPidNs(nr, nsOfPid(task.pid));
  const t = pidTask(pid, PidType.PID);
  if (!pid || !t) return -Errno.ESRCH;
  if (!(flags & PIDFD_THREAD) && t !== t.group.leader) return -Errno.EINVAL;
  return task.files.install(new PidfdFile(pid), true);
}

export const pidfdSyscalls: SyscallDef[] = [
  { name: 'pidfd_open', fn: sysPidfdOpen, support: 'full', args: ['int', 'hex'] },
];
