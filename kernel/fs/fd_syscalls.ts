/**
 * Descriptor-table syscalls: pipe, pipe2, dup, dup2, dup3. Linux: fs/pipe.c do_pipe2(), fs/file.c ksys_dup(),
 * ksys_dup3().
 */
import { Errno } from '../uapi/errno.js';
import { copyToUser } from '../uaccess.js';
import { createPipe } from './pipe.js';
import { NR_OPEN_DEFAULT } from './files_struct.js';
import type { Task } from '../sched/task.js';
import type { SyscallArgs } from '../arch/x86/syscall_args.js';
import type { SyscallDef } from '../arch/x86/syscall_def.js';

export const O_NONBLOCK = 0o4000;
export const O_DIRECT = 0o40000;
export const O_CLOEXEC = 0o2000000;

/**
 * pipe2(fds, flags): 0 with fds[0] the read end and fds[1] the write end, or -EINVAL (flags other than O_CLOEXEC,
 * O_NONBLOCK, O_DIRECT), -EMFILE, -EFAULT (nothing stays installed). O_NONBLOCK and O_DIRECT are accepted but not
 * modelled (reads still block).
 */
function doPipe2(task: Task, fdsAddr: number, flags: number): number {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) return -Errno.EINVAL;
  const [r, w] = createPipe();
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const rfd = task.files.install(r, cloexec);
  if (rfd < 0) return rfd;
  const wfd = task.files.install(w, cloexec);
  if (wfd < 0) {
    task.files.close(rfd);
    return wfd;
  }
  if (copyToUser(task, fdsAddr, new Uint8Array(Int32Array.of(rfd, wfd).buffer), 'pipe:fds')) {
    task.files.close(rfd);
    task.files.close(wfd);
    return -Errno.EFAULT;
  }
  return 0;
}

/** dup(fd): the lowest free descriptor sharing fd's file, or -EBADF / -EMFILE. */
function sysDup(task: Task, a: SyscallArgs): number {
  const f = task.files.get(a.int(0));
  return f ? task.files.install(f) : -Errno.EBADF;
}

/** dup3(old, new, flags): new, or -EINVAL (old == new, flags other than O_CLOEXEC), -EBADF. */
function doDup3(task: Task, oldfd: number, newfd: number, flags: number): number {
  if (flags & ~O_CLOEXEC) return -Errno.EINVAL;
  if (oldfd === newfd) return -Errno.EINVAL;
  if (newfd < 0 || newfd >= NR_OPEN_DEFAULT) return -Errno.EBADF;
  const f = task.files.get(oldfd);
  if (!f) return -Errno.EBADF;
  task.files.installAt(newfd, f, (flags & O_CLOEXEC) !== 0);
  return newfd;
}

/** dup2(old, new): like dup3 without flags, except old == new returns new (or -EBADF when old is not open). */
function sysDup2(task: Task, a: SyscallArgs): number {
  const oldfd = a.int(0);
  const newfd = a.int(1);
  if (oldfd === newfd) return task.files.get(oldfd) ? newfd : -Errno.EBADF;
  return doDup3(task, oldfd, newfd, 0);
}

const F_DUPFD = 0;
const F_GETFD = 1;
const F_SETFD = 2;
const F_GETFL = 3;
const F_SETFL = 4;
const F_DUPFD_CLOEXEC = 1030;
const FD_CLOEXEC = 1;
/** O_RDONLY / O_WRONLY / O_RDWR as F_GETFL reports a console or pipe end (access mode only). */
const O_RDWR = 2;

/**
 * fcntl(fd, cmd, arg) for descriptor flags and duplication: F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL
 * (O_RDWR for every file: sysemu keeps no open mode), F_SETFL (accepted, not modelled). -EBADF for a closed fd,
 * -EINVAL for a bad arg or an unknown command. Linux: fs/fcntl.c do_fcntl().
 */
function sysFcntl(task: Task, a: SyscallArgs): number {
  const fd = a.int(0);
  const file = task.files.get(fd);
  if (!file) return -Errno.EBADF;
  const arg = a.int(2);
  switch (a.int(1)) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
      if (arg < 0 || arg >= NR_OPEN_DEFAULT) return -Errno.EINVAL;
      return task.files.installFrom(arg, file, a.int(1) === F_DUPFD_CLOEXEC);
    case F_GETFD:
      return task.files.getCloexec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD:
      task.files.setCloexec(fd, (arg & FD_CLOEXEC) !== 0);
      return 0;
    case F_GETFL:
      return O_RDWR;
    case F_SETFL:
      return 0;
    default:
      return -Errno.EINVAL;
  }
}

export const fdSyscalls: SyscallDef[] = [
  { name: 'fcntl', fn: sysFcntl, support: 'partial', note: 'descriptor flags and F_DUPFD only; no locks, no status flags', args: ['fd', 'int', 'hex'] },
  { name: 'pipe', fn: (t, a) => doPipe2(t, a.ptr(0), 0), support: 'full', args: ['ptr'] },
  { name: 'pipe2', fn: (t, a) => doPipe2(t, a.ptr(0), a.int(1)), support: 'partial', note: 'O_NONBLOCK not modelled', args: ['ptr', { flags: 'open' }] },
  { name: 'dup', fn: sysDup, support: 'full', args: ['fd'] },
  { name: 'dup2', fn: sysDup2, support: 'full', args: ['fd', 'fd'] },
  { name: 'dup3', fn: (t, a) => doDup3(t, a.int(0), a.int(1), a.int(2)), support: 'full', args: ['fd', 'fd', { flags: 'open' }] },
];
