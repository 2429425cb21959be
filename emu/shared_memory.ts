/**
 * Host memory backing guest memory. Every page of every address space lives in one of these blocks (calloc'd, so
 * it never moves and untouched pages cost nothing) and is mapped into an engine with uc_mem_map_ptr while that
 * address space runs; the kernel reads and writes it directly through `view`, with no FFI call. Blocks are
 * reference counted by the mappings that use them and freed at zero.
 */
import koffi from 'koffi';
import type { SharedMemory } from '../kernel/cpu.js';

let libc: { calloc: (n: number, size: number) => unknown; free: (p: unknown) => void } | null = null;

function c() {
  if (!libc) {
    const lib = koffi.load('libc.so.6');
    libc = { calloc: lib.func('void *calloc(size_t nmemb, size_t size)'), free: lib.func('void free(void *ptr)') };
  }
  return libc;
}

export class HostMemory implements SharedMemory {
  /** Host address of the first byte, for uc_mem_map_ptr. */
  readonly address: bigint;
  /** The bytes, viewed from JS (no copy). */
  readonly view: Uint8Array;
  private ptr: unknown;
  private refs = 0;

  constructor(readonly size: number) {
    this.ptr = c().calloc(1, size);
    if (!this.ptr) throw new RangeError(`out of host memory (${size} bytes)`);
    this.address = BigInt(koffi.address(this.ptr));
    this.view = new Uint8Array(koffi.view(this.ptr, size));
  }

  write(offset: number, src: Uint8Array): void {
    this.view.set(src, offset);
  }

  pin(): void {
    this.ref();
  }

  /** One more mapping (in an address space or an engine) uses this block. */
  ref(): void {
    this.refs++;
  }

  /** One mapping fewer; the block is freed when none is left. */
  unref(): void {
    if (--this.refs > 0 || this.ptr === null) return;
    c().free(this.ptr);
    this.ptr = null;
  }
}
