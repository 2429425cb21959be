/**
 * A pidfd: a file that refers to a process (its Pid object), made by CLONE_PIDFD or pidfd_open. It keeps the Pid
 * object, not its numbers. Reads and writes fail with EINVAL as on Linux; poll reports readable once the process
 * has exited. Linux: kernel/pid.c pidfd_create(), fs/pidfs.c.
 */
import { Errno } from '../uapi/errno.js';
import type { Pid } from '../pid.js';
import type { File, FileStat } from './file.js';

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
}
