/** Memory-mapping constants (include/uapi/asm-generic/mman-common.h, mman.h; x86-64 values). */
export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_SHARED_VALIDATE = 0x03;
export const MAP_TYPE = 0x0f;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_GROWSDOWN = 0x0100;
export const MAP_DENYWRITE = 0x0800;
export const MAP_EXECUTABLE = 0x1000;
export const MAP_LOCKED = 0x2000;
export const MAP_NORESERVE = 0x4000;
export const MAP_POPULATE = 0x8000;
export const MAP_NONBLOCK = 0x10000;
export const MAP_STACK = 0x20000;
export const MAP_HUGETLB = 0x40000;
export const MAP_FIXED_NOREPLACE = 0x100000;

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

/** TASK_SIZE_MAX with 4-level paging: the first address user space can never use. */
export const TASK_SIZE_MAX = 0x7ffffffff000;

export function pageAlignUp(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}

export function pageAlignDown(n: number): number {
  return Math.floor(n / PAGE_SIZE) * PAGE_SIZE;
}
