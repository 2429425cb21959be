/**
 * FilesStruct: a task's file descriptor table (Linux's `struct files_struct`, fs/file.c). Shared between tasks by
 * CLONE_FILES, duplicated by fork. Descriptors are the lowest free number, as POSIX requires.
 */
import { Errno } from '../uapi/errno.js';
import type { File } from './file.js';

interface FdEntry {
  file: File;
  cloexec: boolean;
}

/** RLIMIT_NOFILE soft limit of a fresh Linux session (1024). */
export const NR_OPEN_DEFAULT = 1024;

/** Open-file references: a File is released when its last descriptor anywhere is closed. */
const refs = new WeakMap<File, number>();

/** Files with at least one descriptor, in this process (the sweep's leak check compares snapshots). */
const live = new Set<File>();

/** Every File that some descriptor table still refers to. */
export function liveFiles(): ReadonlySet<File> {
  return live;
}

function get(file: File): void {
  const n = (refs.get(file) ?? 0) + 1;
  refs.set(file, n);
  if (n === 1) live.add(file);
}

function put(file: File): void {
  const n = (refs.get(file) ?? 1) - 1;
  refs.set(file, n);
  if (n === 0) {
    live.delete(file);
    file.release();
  }
}

export class FilesStruct {
  private readonly fds = new Map<number, FdEntry>();
  /** Tasks sharing this table (CLONE_FILES); the last one to exit closes every descriptor. */
  users = 1;

  /** The File at fd, or undefined when fd is not open. */
  get(fd: number): File | undefined {
    return this.fds.get(fd)?.file;
  }

  /** Installs file at the lowest free descriptor; returns it or -EMFILE. Linux: fs/file.c get_unused_fd_flags(). */
  install(file: File, cloexec = false): number {
    return this.installFrom(0, file, cloexec);
  }

  /** Installs file at fd, closing what was there (dup2 semantics). */
  installAt(fd: number, file: File, cloexec = false): void {
    get(file);
    this.close(fd);
    this.fds.set(fd, { file, cloexec });
  }

  /** The close-on-exec flag of fd, or undefined when fd is not open. */
  getCloexec(fd: number): boolean | undefined {
    return this.fds.get(fd)?.cloexec;
  }

  /** Sets the close-on-exec flag of an open fd; false when fd is not open. */
  setCloexec(fd: number, on: boolean): boolean {
    const e = this.fds.get(fd);
    if (e) e.cloexec = on;
    return e !== undefined;
  }

  /** Installs file at the lowest free descriptor >= min; returns it or -EMFILE (F_DUPFD). */
  installFrom(min: number, file: File, cloexec: boolean): number {
    for (let fd = min; fd < NR_OPEN_DEFAULT; fd++) {
      if (!this.fds.has(fd)) {
        this.installAt(fd, file, cloexec);
        return fd;
      }
    }
    return -Errno.EMFILE;
  }

  /** Closes fd: 0 or -EBADF. Linux: fs/file.c close_fd(). */
  close(fd: number): number {
    const e = this.fds.get(fd);
    if (!e) return -Errno.EBADF;
    this.fds.delete(fd);
    put(e.file);
    return 0;
  }

  /** A copy for fork without CLONE_FILES (every File gains a reference). Linux: dup_fd(). */
  dup(): FilesStruct {
    const copy = new FilesStruct();
    for (const [fd, e] of this.fds) copy.installAt(fd, e.file, e.cloexec);
    return copy;
  }

  /** Closes every descriptor (exit). */
  closeAll(): void {
    for (const fd of [...this.fds.keys()]) this.close(fd);
  }

  /** Closes close-on-exec descriptors (execve). */
  closeOnExec(): void {
    for (const [fd, e] of [...this.fds]) if (e.cloexec) this.close(fd);
  }

  /** Open descriptor numbers, ascending. */
  openFds(): number[] {
    return [...this.fds.keys()].sort((a, b) => a - b);
  }
}
