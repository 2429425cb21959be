/**
 * A whole Kernel on FakeCpus, for unit tests of syscalls: boots an init task from a tiny built-in image, maps a
 * scratch area, and runs syscalls by name with raw arguments (no CPU execution: the handler runs directly on a
 * built entry frame, as the syscall hook would run it).
 */
import { Kernel, type KernelOptions } from '../../kernel/kernel.js';
import { PT, newPtRegs } from '../../kernel/arch/x86/ptregs.js';
import { buildEntryFrame } from '../../kernel/arch/x86/entry.js';
import { NR } from '../../kernel/uapi/unistd_64.gen.js';
import { ET_EXEC, PF_R, PF_X, PT_LOAD, type ElfImage } from '../../kernel/fs/elf.js';
import type { HostFdKind, HostIo } from '../../kernel/fs/host_io.js';
import type { Task } from '../../kernel/sched/task.js';
import type { SyscallResult } from '../../kernel/sched/syscall_control.js';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../../kernel/uapi/mman.js';
import { FakeCpu } from './fake_cpu.js';

/** Where every harness task has 64 KiB of read-write scratch memory. */
export const SCRATCH = 0x10000000;
export const SCRATCH_SIZE = 0x10000;

/**
 * An in-memory HostIo: stdout/stderr are collected, stdin is empty, nothing is a tty; the streams are regular
 * files, as when scripts/capture-golden.sh captured the native outputs.
 */
export class MemIo implements HostIo {
  readonly out: number[][] = [[], [], []];
  write(fd: number, data: Uint8Array): number {
    this.out[fd]!.push(...data);
    return data.length;
  }
  read(): number {
    return 0;
  }
  isatty(): boolean {
    return false;
  }
  kind(): HostFdKind {
    return 'file';
  }
  winsize() {
    return { rows: 24, cols: 80 };
  }
  text(fd: number): string {
    return new TextDecoder().decode(Uint8Array.from(this.out[fd]!));
  }
}

/** A one-page ET_EXEC image at 0x400000 (its code is never run by the harness). */
function tinyImage(): ElfImage {
  const bytes = new Uint8Array(0x1000);
  return {
    e_type: ET_EXEC, e_entry: 0x400000, e_phoff: 64, e_phentsize: 56, e_phnum: 1, bytes,
    phdrs: [{ p_type: PT_LOAD, p_flags: PF_R | PF_X, p_offset: 0, p_vaddr: 0x400000, p_filesz: 0x1000, p_memsz: 0x1000, p_align: 0x1000 }],
  };
}

export interface Harness {
  kernel: Kernel;
  init: Task;
  io: MemIo;
}

/** Boots a kernel whose init task (pid 1 of the root namespace) has SCRATCH mapped read-write. */
export function bootHarness(opts: Partial<Omit<KernelOptions, 'cpuFactory' | 'hostIo'>> = {}): Harness {
  const io = new MemIo();
  const kernel = new Kernel({ ...opts, cpuFactory: () => new FakeCpu(), hostIo: io });
  const init = kernel.boot({ image: tinyImage(), argv: ['init'], envp: [], execfn: '/init' });
  if (typeof init === 'number') throw new Error(`boot failed: ${init}`);
  kernel.runQueue.remove(init);
  const r = init.mm.mmap(SCRATCH, SCRATCH_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
  if (r !== SCRATCH) throw new Error(`scratch mmap failed: ${r}`);
  return { kernel, init, io };
}

/**
 * Runs syscall `name` in task with raw arguments (numbers are taken as unsigned 64-bit two's complement when
 * negative). Returns the handler's result: a number/bigint, or a control (block, exit...).
 */
export function sys(task: Task, name: keyof typeof NR | number, ...args: (number | bigint)[]): SyscallResult {
  const nr = typeof name === 'number' ? name : NR[name];
  const regs = newPtRegs();
  regs[PT.rax] = BigInt(nr);
  const slots = [PT.rdi, PT.rsi, PT.rdx, PT.r10, PT.r8, PT.r9];
  args.forEach((v, i) => (regs[slots[i]!] = BigInt.asUintN(64, BigInt(v))));
  regs[PT.rip] = 0x400000n;
  regs[PT.rsp] = 0x7ffffffde000n;
  buildEntryFrame(regs);
  return task.kernel.runSyscall(task, regs);
}

/** sys() for calls that must return a number (fails the test on a control). */
export function sysn(task: Task, name: keyof typeof NR | number, ...args: (number | bigint)[]): number {
  const r = sys(task, name, ...args);
  if (typeof r === 'object') throw new Error(`${String(name)} returned control ${r.kind}`);
  return Number(r);
}

/** Writes bytes into a task's memory (test setup, not a user copy). */
export function poke(task: Task, addr: number, bytes: Uint8Array | number[]): void {
  task.mm.cpu.write(addr, Uint8Array.from(bytes));
}

/** Reads bytes from a task's memory. */
export function peek(task: Task, addr: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  task.mm.cpu.read(addr, b);
  return b;
}

export function peek32(task: Task, addr: number): number {
  return new DataView(peek(task, addr, 4).buffer).getInt32(0, true);
}

/** Encodes u64 fields little endian (for struct clone_args and similar). */
export function u64s(values: (number | bigint)[]): Uint8Array {
  return new Uint8Array(BigUint64Array.from(values.map((v) => BigInt.asUintN(64, BigInt(v)))).buffer);
}

export function i32s(values: number[]): Uint8Array {
  return new Uint8Array(Int32Array.from(values).buffer);
}
