import { Errno, type ErrnoName } from './errno.gen.js';

export { Errno, type ErrnoName };

const NAMES: string[] = [];
for (const [name, nr] of Object.entries(Errno)) NAMES[nr] ??= name;

/** The errno name for a positive errno number ("EFAULT" for 14), or undefined when Linux has none. */
export function errnoName(nr: number): string | undefined {
  return NAMES[nr];
}

/** The largest errno a syscall may return: results in [-MAX_ERRNO, -1] are errors (include/linux/err.h). */
export const MAX_ERRNO = 4095;

/** Kernel-internal restart code (include/linux/errno.h); it never reaches user space. */
export const ERESTARTNOINTR = 513;
