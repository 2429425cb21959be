/**
 * Loads a static ELF64 x86-64 executable into a fresh MmStruct: PT_LOAD segments with their protections and
 * zeroed bss, a grows-down stack (PT_GNU_STACK decides whether it is executable), and brk after the highest
 * segment.
 * Address-space randomization is off, as under `setarch -R`: the same binary always lands at the same addresses.
 * Linux: fs/binfmt_elf.c load_elf_binary().
 */
import type { MmStruct } from '../mm/mm_struct.js';
import type { SharedMemory } from '../cpu.js';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_GROWSDOWN, MAP_PRIVATE, PROT_EXEC, PROT_READ, PROT_WRITE, TASK_SIZE_MAX, pageAlignDown, pageAlignUp } from '../uapi/mman.js';
import { ET_DYN, PF_R, PF_W, PF_X, PT_GNU_STACK, PT_LOAD, PT_PHDR, type ElfImage, type ProgramHeader } from './elf.js';

/** STACK_TOP of a 64-bit task without randomization. */
export const STACK_TOP = TASK_SIZE_MAX;
/**
 * Bytes of stack mapped at exec (Linux's setup_arg_pages stack_expand); the area grows down on faults up to
 * RLIMIT_STACK (MmStruct.findVmaForAccess), so fork copies only the stack a program has used.
 */
export const STACK_INITIAL = 128 * 1024;

export interface LoadedImage {
  entry: number;
  /** Address of the program headers in memory (AT_PHDR), their count and entry size. */
  phdr: number;
  phnum: number;
  phent: number;
  /** Load bias added to every p_vaddr (0 for ET_EXEC). */
  bias: number;
  /** End of the highest segment, page aligned: the initial break. */
  brk: number;
}

function protOf(flags: number): number {
  return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

function loadSpan(loads: ProgramHeader[]): { lo: number; hi: number } {
  const lo = pageAlignDown(Math.min(...loads.map((p) => p.p_vaddr)));
  const hi = pageAlignUp(Math.max(...loads.map((p) => p.p_vaddr + p.p_memsz)));
  return { lo, hi };
}

/**
 * The load bias: 0 for ET_EXEC; for a static PIE (ET_DYN without interpreter) the kernel lets mmap choose, top
 * down from mmap_base, as Linux 5.18+ does. Returns -errno when no room is left.
 */
function chooseBias(mm: MmStruct, img: ElfImage, lo: number, hi: number): { bias: number } | { err: number } {
  if (img.e_type !== ET_DYN) return { bias: 0 };
  const at = mm.mmap(0, hi - lo, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
  if (at < 0) return { err: at };
  mm.munmap(at, hi - lo);
  return { bias: at - lo };
}

/**
 * Read-only segments of each image, by segment and kind of CPU: an image loaded again (a sweep's reruns, the
 * tests) maps the same memory, so an engine that kept it mapped also keeps the code it translated from it.
 */
const segmentCache = new WeakMap<ElfImage, Map<string, SharedMemory>>();

function sharedSegment(mm: MmStruct, img: ElfImage, p: ProgramHeader, len: number, bytes: Uint8Array): SharedMemory {
  const cache = segmentCache.get(img) ?? new Map<string, SharedMemory>();
  segmentCache.set(img, cache);
  const key = `${mm.cpu.constructor.name}:${p.p_offset}:${p.p_vaddr}:${len}`;
  let mem = cache.get(key);
  if (!mem) {
    mem = mm.cpu.allocShared(len);
    mem.write(0, bytes);
    mem.pin();
    cache.set(key, mem);
  }
  return mem;
}

/**
 * Maps one PT_LOAD segment: file bytes from its first page, zeros after p_filesz (bss). A segment that is never
 * writable (text, read-only data) goes into shared memory that every forked address space maps without a copy,
 * as Linux shares the page cache pages of a file mapping.
 */
function mapSegment(mm: MmStruct, img: ElfImage, p: ProgramHeader, bias: number, path: string): number {
  const start = pageAlignDown(p.p_vaddr + bias);
  const end = pageAlignUp(p.p_vaddr + bias + p.p_memsz);
  const head = p.p_vaddr + bias - start;
  const fileBytes = img.bytes.subarray(p.p_offset - head, p.p_offset + p.p_filesz);
  if (!(p.p_flags & PF_W)) {
    const mem = sharedSegment(mm, img, p, end - start, fileBytes);
    mm.mapSharedFixed(start, end - start, protOf(p.p_flags), path, mem);
    return 0;
  }
  const r = mm.mmap(start, end - start, protOf(p.p_flags), MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, path);
  if (r < 0) return r;
  mm.cpu.write(start, fileBytes);
  mm.cpu.invalidateCode(start, end - start);
  return 0;
}

/** Loads the image's segments and maps the stack; returns what the auxv needs, or -errno. */
export function loadElfBinary(mm: MmStruct, img: ElfImage, path = ''): LoadedImage | number {
  const loads = img.phdrs.filter((p) => p.p_type === PT_LOAD);
  const { lo, hi } = loadSpan(loads);
  const chosen = chooseBias(mm, img, lo, hi);
  if ('err' in chosen) return chosen.err;
  const bias = chosen.bias;
  for (const p of loads) {
    const r = mapSegment(mm, img, p, bias, path);
    if (r < 0) return r;
  }
  const stackExec = img.phdrs.find((p) => p.p_type === PT_GNU_STACK)?.p_flags ?? PF_X;
  const stackProt = PROT_READ | PROT_WRITE | (stackExec & PF_X ? PROT_EXEC : 0);
  const stackFlags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN;
  const s = mm.mmap(STACK_TOP - STACK_INITIAL, STACK_INITIAL, stackProt, stackFlags, '[stack]');
  if (s < 0) return s;
  mm.stackTop = STACK_TOP;
  mm.startBrk = mm.brk = hi + bias;
  return { entry: img.e_entry + bias, ...phdrAddress(img, loads, bias), phent: 56, bias, brk: hi + bias };
}

/** Where the program headers are in memory: PT_PHDR when present, else inside the segment that maps e_phoff. */
function phdrAddress(img: ElfImage, loads: ProgramHeader[], bias: number): { phdr: number; phnum: number } {
  const pt = img.phdrs.find((p) => p.p_type === PT_PHDR);
  if (pt) return { phdr: pt.p_vaddr + bias, phnum: img.e_phnum };
  const seg = loads.find((p) => img.e_phoff >= p.p_offset && img.e_phoff < p.p_offset + p.p_filesz);
  return { phdr: seg ? seg.p_vaddr + bias + (img.e_phoff - seg.p_offset) : 0, phnum: img.e_phnum };
}
