/**
 * Memory-mapping syscalls: decode the registers, then let MmStruct do the work (Linux: mm/mmap.c, mm/mprotect.c,
 * arch/x86/kernel/sys_x86_64.c). Only anonymous mappings are modelled; a file mapping returns -ENODEV for now.
 */
import type { Task } from '../sched/task.js';
import type { SyscallDef } from '../arch/x86/syscall_def.js';
import type { SyscallArgs } from '../arch/x86/syscall_args.js';
import type { SyscallResult } from '../sched/syscall_control.js';
import { Errno } from '../uapi/errno.js';
import { MAP_ANONYMOUS } from '../uapi/mman.js';

/**
 * mmap(addr, len, prot, flags, fd, off): the mapping's address or -errno. EINVAL when off is not page aligned
 * (checked first, as x86's sys_mmap does); EBADF for a file mapping with fd -1; ENODEV for any other file mapping
 * (not modelled yet); then MmStruct.mmap's errors. fd and off are ignored for MAP_ANONYMOUS, as in Linux.
 * Linux: arch/x86/kernel/sys_x86_64.c sys_mmap() -> ksys_mmap_pgoff() -> do_mmap().
 */
export function sysMmap(task: Task, a: SyscallArgs): SyscallResult {
  if ((a.u64(5) & 0xfffn) !== 0n) return -Errno.EINVAL;
  const flags = a.uint(3);
  if (!(flags & MAP_ANONYMOUS)) return a.uint(4) === 0xffffffff ? -Errno.EBADF : -Errno.ENODEV;
  return task.mm.mmap(a.ptr(0), a.size(1), a.uint(2), flags);
}

/** munmap(addr, len): 0 or -EINVAL. Linux: mm/mmap.c sys_munmap() -> do_vmi_munmap(). */
export function sysMunmap(task: Task, a: SyscallArgs): SyscallResult {
  return task.mm.munmap(a.ptr(0), a.size(1));
}

/**
 * mprotect(addr, len, prot): 0, -EINVAL or -ENOMEM. prot is an unsigned long: bits above 31 give EINVAL.
 * Linux: mm/mprotect.c sys_mprotect() -> do_mprotect_pkey().
 */
export function sysMprotect(task: Task, a: SyscallArgs): SyscallResult {
  return task.mm.mprotect(a.ptr(0), a.size(1), Number(a.u64(2)));
}

/** brk(addr): the new break, or the unchanged one when refused (brk(0) reads it). Linux: mm/mmap.c sys_brk(). */
export function sysBrk(task: Task, a: SyscallArgs): SyscallResult {
  return task.mm.setBrk(a.ptr(0));
}

export const mmSyscalls: SyscallDef[] = [
  { name: 'mmap', fn: sysMmap, support: 'partial', note: 'anonymous mappings only', args: ['ptr', 'ulong', { flags: 'prot' }, { flags: 'mmap' }, 'fd', 'hex'], ret: 'hex' },
  { name: 'munmap', fn: sysMunmap, support: 'full', args: ['ptr', 'ulong'] },
  { name: 'mprotect', fn: sysMprotect, support: 'full', args: ['ptr', 'ulong', { flags: 'prot' }] },
  { name: 'brk', fn: sysBrk, support: 'full', args: ['ptr'], ret: 'hex' },
];
