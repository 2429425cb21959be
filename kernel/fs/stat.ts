/**
 * fstat and newfstatat: a File's attributes as x86-64 `struct stat` (144 bytes). Only descriptors are handled: a
 * path that names something (anything but the empty path with AT_EMPTY_PATH) gets ENOENT, since sysemu has no file
 * system yet. Linux: fs/stat.c vfs_fstat(), vfs_fstatat(), cp_new_stat().
 */
import { Errno } from '../uapi/errno.js';
import { copyToUser, getUser32, strncpyFromUser } from '../uaccess.js';
import type { Task } from '../sched/task.js';
import type { SyscallArgs } from '../arch/x86/syscall_args.js';
import type { SyscallDef } from '../arch/x86/syscall_def.js';
import type { FileStat } from './file.js';

/** sizeof(struct stat) on x86-64. */
export const STAT_SIZE = 144;

export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_NO_AUTOMOUNT = 0x800;
export const AT_EMPTY_PATH = 0x1000;
/** AT_STATX_SYNC_TYPE: the two statx sync bits vfs_statx accepts. */
export const AT_STATX_SYNC_TYPE = 0x6000;

/** Linux's PATH_MAX (bytes, NUL included). */
export const PATH_MAX = 4096;

/** Fields a File may report beyond FileStat; absent ones are 0. */
interface StatExtras {
  st_uid?: number;
  st_gid?: number;
  st_size?: number;
  st_blocks?: number;
  st_atime?: number;
  st_mtime?: number;
  st_ctime?: number;
}

/**
 * Encodes st as struct stat: st_dev@0, st_ino@8, st_nlink@16 (u64), st_mode@24, st_uid@28, st_gid@32 (u32),
 * st_rdev@40, st_size@48, st_blksize@56, st_blocks@64, then atime/mtime/ctime as (sec, nsec) pairs from 72.
 * Linux: arch/x86/include/uapi/asm/stat.h, fs/stat.c cp_new_stat().
 */
export function statBytes(st: FileStat & StatExtras): Uint8Array {
  const b = new Uint8Array(STAT_SIZE);
  const v = new DataView(b.buffer);
  const u64 = (off: number, x: number | undefined) => v.setBigUint64(off, BigInt(x ?? 0), true);
  u64(0, st.st_dev);
  u64(8, st.st_ino);
  u64(16, st.st_nlink);
  v.setUint32(24, st.st_mode, true);
  v.setUint32(28, st.st_uid ?? 0, true);
  v.setUint32(32, st.st_gid ?? 0, true);
  u64(40, st.st_rdev);
  u64(48, st.st_size);
  u64(56, st.st_blksize);
  u64(64, st.st_blocks);
  u64(72, st.st_atime);
  u64(88, st.st_mtime);
  u64(104, st.st_ctime);
  return b;
}

/** Copies the stat of fd's File to user memory: 0, -EBADF or -EFAULT. Linux: vfs_fstat() + cp_new_stat(). */
function fstatFd(task: Task, fd: number, statbuf: number, site: string): number {
  const file = task.files.get(fd);
  if (!file) return -Errno.EBADF;
  return copyToUser(task, statbuf, statBytes(file.stat()), site) ? -Errno.EFAULT : 0;
}

function sysFstat(task: Task, a: SyscallArgs): number {
  return fstatFd(task, a.int(0), a.ptr(1), 'fstat:statbuf');
}

/**
 * Whether the user path is empty, as getname_maybe_null() decides with one get_user of the first byte (no
 * fault-injection point). Returns true, false, or -EFAULT. NULL counts as empty.
 */
function emptyPath(task: Task, path: number): boolean | number {
  if (path === 0) return true;
  const first = getUser32(task, path, 'newfstatat:filename');
  if (first.err === 0) return (first.value & 0xff) === 0;
  // The 4-byte read crossed into an unreadable page: fall back to an exact string copy.
  const s = strncpyFromUser(task, path, 1, 'newfstatat:filename');
  return s.ret < 0 ? s.ret : s.ret === 0;
}

/**
 * newfstatat(dfd, filename, statbuf, flag). With AT_EMPTY_PATH and an empty or NULL filename it is fstat(dfd)
 * (flags unchecked, EBADF for a bad dfd, AT_FDCWD included: the cwd is not modelled, ENOENT). Otherwise: EINVAL
 * for flags outside AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT|AT_EMPTY_PATH|AT_STATX_SYNC_TYPE, EFAULT, ENAMETOOLONG,
 * ENOENT for an empty name, EBADF / ENOTDIR for a relative name with a bad / non-directory dfd, ENOENT for every
 * other name.
 * Linux: fs/stat.c vfs_fstatat(), vfs_statx().
 */
function sysNewfstatat(task: Task, a: SyscallArgs): number {
  const dfd = a.int(0);
  const path = a.ptr(1);
  const flags = a.int(3);
  let empty = false;
  if (flags & AT_EMPTY_PATH) {
    const e = emptyPath(task, path);
    if (typeof e === 'number') return e;
    if (e && dfd >= 0) return fstatFd(task, dfd, a.ptr(2), 'newfstatat:statbuf');
    empty = e;
  }
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) return -Errno.EINVAL;
  if (empty) return dfd === AT_FDCWD ? -Errno.ENOENT : -Errno.EBADF;
  const name = strncpyFromUser(task, path, PATH_MAX, 'newfstatat:filename');
  if (name.ret < 0) return name.ret;
  if (name.ret === PATH_MAX) return -Errno.ENAMETOOLONG;
  if (name.ret === 0) return -Errno.ENOENT;
  if (name.bytes[0] !== 0x2f && dfd !== AT_FDCWD) return task.files.get(dfd) ? -Errno.ENOTDIR : -Errno.EBADF;
  return -Errno.ENOENT;
}

export const statSyscalls: SyscallDef[] = [
  { name: 'fstat', fn: sysFstat, support: 'full', args: ['fd', 'ptr'] },
  {
    name: 'newfstatat',
    fn: sysNewfstatat,
    support: 'partial',
    note: 'descriptors only (AT_EMPTY_PATH); every path is ENOENT',
    args: ['fd', 'str', 'ptr', { flags: 'at' }],
  },
];
