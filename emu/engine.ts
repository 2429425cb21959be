/**
 * Engine: one Unicorn x86-64 instance (one guest address space). Wraps every uc_* call with error checks and guards
 * its hooks: an exception thrown in a hook is stored, the engine is stopped, and `run` rethrows it after
 * uc_emu_start returns, so no exception crosses native frames. Hooks reach the engine through the process-wide
 * trampolines of emu/trampolines.ts.
 */
import koffi from 'koffi';
import { unicorn, type Unicorn } from './unicorn/ffi.js';
import { addTarget, removeTarget, trampolines, type HookTarget } from './trampolines.js';
import * as C from './unicorn/consts.js';

/** A failed uc_* call: `code` is the uc_err value, the message carries uc_strerror's text. */
export class UcError extends Error {
  constructor(
    readonly fn: string,
    readonly code: number,
    text: string,
  ) {
    super(`${fn}: ${text} (uc_err ${code})`);
  }
}

/** Why `run` returned. */
export type StopReason =
  | { kind: 'stopped' }
  | { kind: 'fault'; access: 'read' | 'write' | 'fetch'; unmapped: boolean; address: number }
  | { kind: 'invalid-insn' }
  | { kind: 'interrupt'; intno: number }
  | { kind: 'error'; code: number; text: string };

export class Engine implements HookTarget {
  readonly uc: unknown;
  private readonly lib: Unicorn;
  private readonly id: number;
  private syscallHandler: (() => void) | null = null;
  private hookError: unknown = null;
  private lastFault: StopReason | null = null;
  private closed = false;

  constructor() {
    this.lib = unicorn();
    const t = trampolines();
    const out: unknown[] = [null];
    this.check('uc_open', this.lib.uc_open(C.UC_ARCH_X86, C.UC_MODE_64, out));
    this.uc = out[0];
    this.id = addTarget(this);
    this.check('uc_hook_add', this.lib.uc_hook_add(this.uc, [0], C.UC_HOOK_MEM_INVALID, t.mem, this.id, 1n, 0n));
    this.check('uc_hook_add', this.lib.uc_hook_add(this.uc, [0], C.UC_HOOK_INTR, t.intr, this.id, 1n, 0n));
  }

  get version(): string {
    return this.lib.version;
  }

  check(fn: string, err: number): void {
    if (err !== C.UC_ERR_OK) throw new UcError(fn, err, this.lib.uc_strerror(err) as string);
  }

  /** Calls fn at every `syscall` instruction (RIP reads as the instruction's own address inside fn). */
  onSyscall(fn: () => void): void {
    if (this.syscallHandler) throw new Error('Engine.onSyscall: a handler is set already');
    this.syscallHandler = fn;
    const t = trampolines();
    this.check('uc_hook_add', this.lib.uc_hook_add(this.uc, [0], C.UC_HOOK_INSN, t.syscall, this.id, 1n, 0n, 'int', C.UC_X86_INS_SYSCALL));
  }

  /** The guard: an exception is kept for `run` to rethrow, and the engine is stopped. */
  onSyscallTrap(): void {
    try {
      this.syscallHandler?.();
    } catch (e) {
      this.hookError ??= e;
      this.lib.uc_emu_stop(this.uc);
    }
  }

  /**
   * Asked on an access to unmapped memory: true when it mapped the page (the access is retried), as a kernel
   * page-fault handler growing the stack does.
   */
  pageFault: ((address: number) => boolean) | null = null;

  onInvalidMemory(type: number, address: bigint): boolean {
    const fault = faultOf(type, address);
    if (fault.kind === 'fault' && fault.unmapped && this.pageFault) {
      try {
        if (this.pageFault(fault.address)) return true;
      } catch (e) {
        this.hookError ??= e;
      }
    }
    this.lastFault = fault;
    return false;
  }

  onInterrupt(intno: number): void {
    this.lastFault = { kind: 'interrupt', intno };
    this.lib.uc_emu_stop(this.uc);
  }

  /**
   * Runs from `begin` until a hook stops the engine, a fault, or `count` instructions (0 = no limit; counting
   * slows guest code, see UNICORN-NOTES.md). Rethrows the first exception a hook raised.
   */
  run(begin: bigint, count = 0): StopReason {
    this.lastFault = null;
    const err = this.lib.uc_emu_start(this.uc, begin, 0n, 0n, count) as number;
    if (this.hookError !== null) {
      const e = this.hookError;
      this.hookError = null;
      throw e;
    }
    if (this.lastFault) return this.lastFault;
    if (err === C.UC_ERR_OK) return { kind: 'stopped' };
    if (err === C.UC_ERR_INSN_INVALID) return { kind: 'invalid-insn' };
    return { kind: 'error', code: err, text: this.lib.uc_strerror(err) as string };
  }

  stop(): void {
    this.check('uc_emu_stop', this.lib.uc_emu_stop(this.uc));
  }

  memMap(addr: number, len: number, perms: number): void {
    this.check('uc_mem_map', this.lib.uc_mem_map(this.uc, BigInt(addr), len, perms));
  }

  /** Maps [addr, addr+len) onto host memory at hostAddr (it must stay valid while mapped). */
  memMapPtr(addr: number, len: number, perms: number, hostAddr: bigint): void {
    this.check('uc_mem_map_ptr', this.lib.uc_mem_map_ptr(this.uc, BigInt(addr), len, perms, hostAddr));
  }

  memUnmap(addr: number, len: number): void {
    this.check('uc_mem_unmap', this.lib.uc_mem_unmap(this.uc, BigInt(addr), len));
  }

  memProtect(addr: number, len: number, perms: number): void {
    this.check('uc_mem_protect', this.lib.uc_mem_protect(this.uc, BigInt(addr), len, perms));
  }

  memRead(addr: number, dst: Uint8Array): void {
    this.check('uc_mem_read', this.lib.uc_mem_read(this.uc, BigInt(addr), dst, dst.length));
  }

  memWrite(addr: number, src: Uint8Array): void {
    this.check('uc_mem_write', this.lib.uc_mem_write(this.uc, BigInt(addr), src, src.length));
  }

  /** Reads registers ids[i] into vals[i] in one FFI call. */
  regReadBatch(ids: Int32Array, slots: RegSlots): void {
    this.check('uc_reg_read_batch', this.lib.uc_reg_read_batch(this.uc, ids, slots.pointers, ids.length));
  }

  /** Writes slots' values to registers ids[i] in one FFI call. */
  regWriteBatch(ids: Int32Array, slots: RegSlots): void {
    this.check('uc_reg_write_batch', this.lib.uc_reg_write_batch(this.uc, ids, slots.pointers, ids.length));
  }

  /** Drops translated code for [addr, addr+len) (needed after the kernel writes code pages). */
  invalidateCode(addr: number, len: number): void {
    this.check('uc_ctl', this.lib.uc_ctl(this.uc, C.UC_CTL_TB_REMOVE_CACHE_W, 'uint64_t', BigInt(addr), 'uint64_t', BigInt(addr + len)));
  }

  contextAlloc(): unknown {
    const out: unknown[] = [null];
    this.check('uc_context_alloc', this.lib.uc_context_alloc(this.uc, out));
    return out[0];
  }

  contextSave(ctx: unknown): void {
    this.check('uc_context_save', this.lib.uc_context_save(this.uc, ctx));
  }

  contextRestore(ctx: unknown): void {
    this.check('uc_context_restore', this.lib.uc_context_restore(this.uc, ctx));
  }

  contextFree(ctx: unknown): void {
    this.check('uc_context_free', this.lib.uc_context_free(ctx));
  }

  /** Closes the engine and forgets its hook handlers (the shared trampolines stay registered). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.lib.uc_close(this.uc);
    removeTarget(this.id);
  }
}

function faultOf(type: number, address: bigint): StopReason {
  const unmapped = type === C.UC_MEM_READ_UNMAPPED || type === C.UC_MEM_WRITE_UNMAPPED || type === C.UC_MEM_FETCH_UNMAPPED;
  const access =
    type === C.UC_MEM_READ_UNMAPPED || type === C.UC_MEM_READ_PROT
      ? 'read'
      : type === C.UC_MEM_WRITE_UNMAPPED || type === C.UC_MEM_WRITE_PROT
        ? 'write'
        : 'fetch';
  return { kind: 'fault', access, unmapped, address: Number(address) };
}

/**
 * Native 64-bit slots for batched register moves: uc_reg_*_batch takes an array of pointers, one per register,
 * so the values live in koffi-allocated memory that never moves, viewed from JS as a BigUint64Array.
 */
export class RegSlots {
  readonly values: BigUint64Array;
  readonly pointers: BigUint64Array;
  private readonly mem: unknown;

  constructor(count: number) {
    this.mem = koffi.alloc('uint64_t', count);
    this.values = new BigUint64Array(koffi.view(this.mem, count * 8));
    const base = BigInt(koffi.address(this.mem));
    this.pointers = BigUint64Array.from({ length: count }, (_, i) => base + BigInt(i * 8));
  }

  free(): void {
    koffi.free(this.mem);
  }
}
