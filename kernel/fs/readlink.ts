/**
 * readlink and readlinkat. The only symbolic link sysemu has is /proc/self/exe (also /proc/thread-self/exe and
 * /proc/<own pid>/exe), whose target is the task's executable path made absolute against the host's working
 * directory. Every other path is ENOENT. Linux: fs/stat.c do_readlinkat(), fs/namei.c vfs_readlink().
 */
import { posix } from 'node:path';
import { Errno } from '../uapi/errno.js';
import { S_IFCHR } from '../uapi/ioctls.js';
import { copyToUser, strncpyFromUser } from '../uaccess.js';
import { vnr } from '../sys_ids.js';
import type { Task } from '../sched/task.js';
import type { SyscallArgs } from '../arch/x86/syscall_args.js';
import type { SyscallDef } from '../arch/x86/syscall_def.js';

const AT_FDCWD = -100;
const PATH_MAX = 4096;
const S_IFMT = 0o170000;

/** The target of /proc/self/exe: task.exePath, made absolute. */
export function exeLinkTarget(task: Task): string {
  return posix.isAbsolute(task.exePath) ? task.exePath : posix.resolve(task.exePath);
}

/** Collapses repeated slashes and `.` components of an absolute path (no `..` handling: no file system). */
function normalize(path: string): string {
  return '/' + path.split('/').filter((c) => c !== '' && c !== '.').join('/');
}

/** Whether an absolute path names the task's own exe link. */
function isExeLink(task: Task, path: string): boolean {
  const p = normalize(path);
  if (p === '/proc/self/exe' || p === '/proc/thread-self/exe') return true;
  return task.pid !== undefined && task.group !== undefined && p === `/proc/${vnr(task, task.tgid)}/exe`;
}

/**
 * The link target for (dfd, path), or -errno: an empty path names dfd itself, which is no link (EINVAL for the
 * cwd or a tty, ENOENT for a pipe as the reference machine answers, EBADF when not open); a relative path needs a
 * directory (ENOTDIR for an open dfd, EBADF for a closed one, ENOENT from the unmodelled cwd).
 */
function lookupLink(task: Task, dfd: number, path: string): string | number {
  if (path === '') {
    if (dfd === AT_FDCWD) return -Errno.EINVAL;
    const file = task.files.get(dfd);
    if (!file) return -Errno.EBADF;
    return (file.stat().st_mode & S_IFMT) === S_IFCHR ? -Errno.EINVAL : -Errno.ENOENT;
  }
  if (!path.startsWith('/')) {
    if (dfd === AT_FDCWD) return -Errno.ENOENT;
    return task.files.get(dfd) ? -Errno.ENOTDIR : -Errno.EBADF;
  }
  return isExeLink(task, path) ? exeLinkTarget(task) : -Errno.ENOENT;
}

/**
 * readlinkat(dfd, pathname, buf, bufsiz): the target's first min(length, bufsiz) bytes, no NUL added; returns
 * that count. EINVAL for bufsiz <= 0 (checked first) or a path that is no link, EFAULT (name or buffer),
 * ENAMETOOLONG, ENOENT. A NULL pathname is the empty path (what 6.18 answers). Linux: do_readlinkat().
 */
export function doReadlinkat(task: Task, dfd: number, pathname: number, buf: number, bufsiz: number, site: string): number {
  if (bufsiz <= 0) return -Errno.EINVAL;
  let path = '';
  if (pathname !== 0) {
    const name = strncpyFromUser(task, pathname, PATH_MAX, `${site}:pathname`);
    if (name.ret < 0) return name.ret;
    if (name.ret === PATH_MAX) return -Errno.ENAMETOOLONG;
    path = Buffer.from(name.bytes).toString('latin1');
  }
  const target = lookupLink(task, dfd, path);
  if (typeof target === 'number') return target;
  const bytes = Buffer.from(target, 'utf8');
  const len = Math.min(bytes.length, bufsiz);
  return copyToUser(task, buf, bytes.subarray(0, len), `${site}:buf`) ? -Errno.EFAULT : len;
}

function sysReadlink(task: Task, a: SyscallArgs): number {
  return doReadlinkat(task, AT_FDCWD, a.ptr(0), a.ptr(1), a.int(2), 'readlink');
}

function sysReadlinkat(task: Task, a: SyscallArgs): number {
  return doReadlinkat(task, a.int(0), a.ptr(1), a.ptr(2), a.int(3), 'readlinkat');
}

const NOTE = 'only /proc/self/exe; every other path is ENOENT';

export const readlinkSyscalls: SyscallDef[] = [
  { name: 'readlink', fn: sysReadlink, support: 'partial', note: NOTE, args: ['str', { buf: 2 }, 'ulong'] },
  { name: 'readlinkat', fn: sysReadlinkat, support: 'partial', note: NOTE, args: ['fd', 'str', { buf: 3 }, 'ulong'] },
];
