/**
 * Host memory that several Unicorn engines map at once with uc_mem_map_ptr (read-only program text shared across
 * fork). It is allocated with koffi so it never moves, and freed when the last JS reference is gone.
 */
import koffi from 'koffi';
import type { SharedMemory } from '../kernel/cpu.js';

const registry = new FinalizationRegistry<unknown>((mem) => koffi.free(mem));

export class UnicornSharedMemory implements SharedMemory {
  /** Host address of the first byte, for uc_mem_map_ptr. */
  readonly address: bigint;
  /** The bytes, viewed from JS (no copy). */
  readonly view: Uint8Array;

  constructor(readonly size: number) {
    const mem = koffi.alloc('uint8_t', size);
    this.address = BigInt(koffi.address(mem));
    this.view = new Uint8Array(koffi.view(mem, size));
    this.view.fill(0);
    registry.register(this, mem);
  }

  write(offset: number, src: Uint8Array): void {
    this.view.set(src, offset);
  }
}
