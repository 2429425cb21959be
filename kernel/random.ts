/**
 * getrandom: bytes from the kernel's seeded generator (kernel.random), so a run is reproducible from its seed.
 * The pool is always "initialized": GRND_NONBLOCK never gets EAGAIN, and GRND_RANDOM reads the same source.
 * Linux: drivers/char/random.c getrandom, get_random_bytes_user().
 */
import { Errno } from './uapi/errno.js';
import { accessOk, copyToUser } from './uaccess.js';
import type { Task } from './sched/task.js';
import type { SyscallArgs } from './arch/x86/syscall_args.js';
import type { SyscallDef } from './arch/x86/syscall_def.js';

export const GRND_NONBLOCK = 0x1;
export const GRND_RANDOM = 0x2;
export const GRND_INSECURE = 0x4;

/** Bytes generated and copied per step (CHACHA_BLOCK_SIZE): each step is one user copy. */
export const RANDOM_BLOCK = 64;

const MAX_RW_COUNT = 0x7ffff000;

/**
 * getrandom(buf, len, flags): the count of random bytes written. EINVAL for unknown flags or GRND_INSECURE with
 * GRND_RANDOM; EFAULT when the range leaves user space or the first block cannot be written; a fault later
 * returns the bytes written before it.
 */
function sysGetrandom(task: Task, a: SyscallArgs): number {
  const flags = a.uint(2);
  if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) return -Errno.EINVAL;
  if ((flags & (GRND_INSECURE | GRND_RANDOM)) === (GRND_INSECURE | GRND_RANDOM)) return -Errno.EINVAL;
  const buf = a.ptr(0);
  const len = Math.min(a.size(1), MAX_RW_COUNT);
  if (!accessOk(buf, len)) return -Errno.EFAULT;
  return copyRandomToUser(task, buf, len);
}

/** Writes len random bytes at buf in RANDOM_BLOCK steps; returns the bytes written or -EFAULT for none. */
export function copyRandomToUser(task: Task, buf: number, len: number): number {
  const block = new Uint8Array(RANDOM_BLOCK);
  let done = 0;
  while (done < len) {
    const n = Math.min(RANDOM_BLOCK, len - done);
    task.kernel.random.fill(block);
    const missing = copyToUser(task, buf + done, block.subarray(0, n), 'getrandom:buf');
    done += n - missing;
    if (missing) break;
  }
  return done > 0 || len === 0 ? done : -Errno.EFAULT;
}

export const randomSyscalls: SyscallDef[] = [
  {
    name: 'getrandom',
    fn: sysGetrandom,
    support: 'partial',
    note: 'seeded pseudo-random bytes (reproducible), never blocks',
    args: [{ buf: 1 }, 'ulong', { flags: 'grnd' }],
  },
];
