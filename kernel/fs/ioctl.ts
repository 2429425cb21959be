/**
 * ioctl: device-specific requests, handed to the File (terminal requests on the console). Linux: fs/ioctl.c
 * sys_ioctl(); the generic requests of do_vfs_ioctl() (FIOCLEX, FIONBIO...) are not modelled yet.
 */
import { Errno } from '../uapi/errno.js';
import type { Task } from '../sched/task.js';
import type { SyscallArgs } from '../arch/x86/syscall_args.js';
import type { SyscallDef } from '../arch/x86/syscall_def.js';

/** ioctl(fd, cmd, arg): EBADF for a closed fd, else what the File answers (ENOTTY for a request it lacks). */
export function sysIoctl(task: Task, a: SyscallArgs): number {
  const file = task.files.get(a.int(0));
  if (!file) return -Errno.EBADF;
  return file.ioctl(task, a.uint(1), a.ptr(2));
}

export const ioctlSyscalls: SyscallDef[] = [
  {
    name: 'ioctl',
    fn: sysIoctl,
    support: 'partial',
    note: 'requests the File knows (TCGETS, TIOCGWINSZ on a tty); no generic FIOCLEX/FIONBIO',
    args: ['fd', { sym: 'ioctl' }, 'ptr'],
  },
];
