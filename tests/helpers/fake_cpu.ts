/**
 * An in-memory Cpu for kernel unit tests (no Unicorn): 4096-byte pages in a Map keyed by page number, a recorded
 * protection per page, registers in a PtRegs, contexts as copies of the registers. Memory calls follow Unicorn's
 * rules: map fails if any page is already mapped, unmap/protect/read/write fail whole (throw, changing nothing) if any
 * byte of the range is unmapped, and read/write ignore protections. A throw here means a kernel bug.
 *
 * makeTestTask() builds a Task around a FakeCpu-backed MmStruct with a minimal stand-in kernel.
 */
import type { Cpu, CpuContext, SharedMemory } from '../../kernel/cpu.js';
import { PT, USER_CS, USER_DS, newPtRegs, type PtRegs } from '../../kernel/arch/x86/ptregs.js';
import { MmStruct, type MmLayout } from '../../kernel/mm/mm_struct.js';
import { Task } from '../../kernel/sched/task.js';
import type { FaultAttr } from '../../kernel/fault_inject.js';

const PAGE = 4096;

class FakeSharedMemory implements SharedMemory {
  readonly bytes: Uint8Array;

  constructor(readonly size: number) {
    this.bytes = new Uint8Array(size);
  }

  write(offset: number, src: Uint8Array): void {
    this.bytes.set(src, offset);
  }

  pin(): void {}
}

class FakeContext implements CpuContext {
  freed = false;

  constructor(readonly regs: PtRegs, private readonly owner: FakeCpu) {}

  free(): void {
    if (this.freed) throw new Error('FakeCpu: context freed twice');
    this.freed = true;
    this.owner.liveContexts--;
  }
}

export class FakeCpu implements Cpu {
  /** Page number (address / 4096) -> the page's bytes. */
  readonly pages = new Map<number, Uint8Array>();
  /** Page number -> PROT_* bits as last set by map or protect. */
  readonly prots = new Map<number, number>();
  /** The live registers. */
  readonly regs: PtRegs = newPtRegs();
  /** Calls made, for assertions. */
  readonly invalidated: Array<[number, number]> = [];
  stopCount = 0;
  liveContexts = 0;
  closed = false;

  constructor() {
    this.regs[PT.cs] = USER_CS;
    this.regs[PT.ss] = USER_DS;
  }

  map(addr: number, len: number, prot: number): void {
    const pages = this.pageRange(addr, len, 'map');
    for (const p of pages) if (this.pages.has(p)) throw new Error(`FakeCpu.map: page ${hex(p * PAGE)} is mapped`);
    for (const p of pages) {
      this.pages.set(p, new Uint8Array(PAGE));
      this.prots.set(p, prot);
    }
  }

  allocShared(size: number): SharedMemory {
    return new FakeSharedMemory(size);
  }

  /** Shared memory is mapped by reference: the pages are views of the shared bytes, so writes are seen by all. */
  mapShared(addr: number, len: number, prot: number, mem: SharedMemory, offset: number): void {
    const bytes = (mem as FakeSharedMemory).bytes;
    const pages = this.pageRange(addr, len, 'mapShared');
    for (const p of pages) if (this.pages.has(p)) throw new Error(`FakeCpu.mapShared: page ${hex(p * PAGE)} is mapped`);
    pages.forEach((p, i) => {
      this.pages.set(p, bytes.subarray(offset + i * PAGE, offset + (i + 1) * PAGE));
      this.prots.set(p, prot);
    });
  }

  unmap(addr: number, len: number): void {
    for (const p of this.mappedPages(addr, len, 'unmap')) {
      this.pages.delete(p);
      this.prots.delete(p);
    }
  }

  protect(addr: number, len: number, prot: number): void {
    for (const p of this.mappedPages(addr, len, 'protect')) this.prots.set(p, prot);
  }

  read(addr: number, dst: Uint8Array): void {
    this.checkBytes(addr, dst.length, 'read');
    this.forEachPiece(addr, dst.length, (page, off, at, n) => dst.set(page.subarray(off, off + n), at));
  }

  write(addr: number, src: Uint8Array): void {
    this.checkBytes(addr, src.length, 'write');
    this.forEachPiece(addr, src.length, (page, off, at, n) => page.set(src.subarray(at, at + n), off));
  }

  invalidateCode(addr: number, len: number): void {
    this.invalidated.push([addr, len]);
  }

  readSyscallRegs(out: PtRegs): void {
    for (const s of [PT.rax, PT.rdi, PT.rsi, PT.rdx, PT.r10, PT.r8, PT.r9, PT.rip, PT.eflags]) out[s] = this.regs[s];
  }

  readRegs(out: PtRegs): void {
    this.checkOpen('readRegs');
    out.set(this.regs);
    out[PT.orig_rax] = 0n;
  }

  writeRegs(regs: PtRegs): void {
    this.checkOpen('writeRegs');
    for (let i = 0; i < regs.length; i++) {
      if (i !== PT.orig_rax && i !== PT.cs && i !== PT.ss) this.regs[i] = regs[i];
    }
  }

  writeSyscallReturn(rax: bigint, rcx: bigint, r11: bigint): void {
    this.regs[PT.rax] = rax;
    this.regs[PT.rcx] = rcx;
    this.regs[PT.r11] = r11;
  }

  saveContext(): CpuContext {
    this.checkOpen('saveContext');
    this.liveContexts++;
    return new FakeContext(this.regs.slice(), this);
  }

  restoreContext(ctx: CpuContext): void {
    if (!(ctx instanceof FakeContext) || ctx.freed) throw new Error('FakeCpu.restoreContext: bad or freed context');
    this.regs.set(ctx.regs);
  }

  stop(): void {
    this.stopCount++;
  }

  close(): void {
    this.checkOpen('close');
    this.closed = true;
    this.pages.clear();
    this.prots.clear();
  }

  /** PROT_* bits of the page holding addr, or -1 when unmapped. */
  protOf(addr: number): number {
    return this.prots.get(Math.floor(addr / PAGE)) ?? -1;
  }

  /** Mapped ranges merged by equal protection, in address order: [start, end, prot]. */
  mappedRanges(): Array<[number, number, number]> {
    const out: Array<[number, number, number]> = [];
    for (const p of [...this.pages.keys()].sort((a, b) => a - b)) {
      const prot = this.prots.get(p)!;
      const last = out[out.length - 1];
      if (last !== undefined && last[1] === p * PAGE && last[2] === prot) last[1] += PAGE;
      else out.push([p * PAGE, (p + 1) * PAGE, prot]);
    }
    return out;
  }

  private checkOpen(op: string): void {
    if (this.closed) throw new Error(`FakeCpu.${op}: cpu is closed`);
  }

  private pageRange(addr: number, len: number, op: string): number[] {
    this.checkOpen(op);
    if (addr % PAGE !== 0 || len % PAGE !== 0 || len <= 0 || addr < 0) {
      throw new Error(`FakeCpu.${op}: bad range ${hex(addr)} + ${hex(len)}`);
    }
    const first = addr / PAGE;
    return Array.from({ length: len / PAGE }, (_, i) => first + i);
  }

  private mappedPages(addr: number, len: number, op: string): number[] {
    const pages = this.pageRange(addr, len, op);
    for (const p of pages) if (!this.pages.has(p)) throw new Error(`FakeCpu.${op}: page ${hex(p * PAGE)} is unmapped`);
    return pages;
  }

  private checkBytes(addr: number, len: number, op: string): void {
    this.checkOpen(op);
    if (len === 0) return;
    const last = Math.floor((addr + len - 1) / PAGE);
    for (let p = Math.floor(addr / PAGE); p <= last; p++) {
      if (!this.pages.has(p)) throw new Error(`FakeCpu.${op}: ${hex(p * PAGE)} is unmapped`);
    }
  }

  /** Calls fn(page, offsetInPage, offsetInBuffer, count) for each page-sized piece of [addr, addr+len). */
  private forEachPiece(addr: number, len: number, fn: (page: Uint8Array, off: number, at: number, n: number) => void): void {
    for (let at = 0; at < len; ) {
      const a = addr + at;
      const off = a % PAGE;
      const n = Math.min(PAGE - off, len - at);
      fn(this.pages.get(Math.floor(a / PAGE))!, off, at, n);
      at += n;
    }
  }
}

export interface TestTaskOptions {
  /** The kernel stand-in's faultAttr (what faultAttrOf() reads). */
  faultAttr?: FaultAttr | null;
  /** Use this address space instead of a fresh FakeCpu-backed one. */
  mm?: MmStruct;
  /** Layout for the fresh address space. */
  layout?: MmLayout;
  /** Global tid, read by the fault injector's task filter (task.pid becomes a stub answering nrAt only). */
  tid?: number;
}

/** The stand-in kernel of makeTestTask(): only what uaccess and the fault injector read. */
export interface TestKernel {
  faultAttr: FaultAttr | null;
}

type KernelArg = ConstructorParameters<typeof Task>[0];
type FilesArg = ConstructorParameters<typeof Task>[2];

/**
 * A Task for unit tests: a fresh MmStruct on a FakeCpu (or opts.mm), an empty stand-in FilesStruct, and a stand-in
 * kernel object `{ faultAttr }` cast to Kernel. Reach the parts with task.mm, fakeCpuOf(task), testKernelOf(task).
 */
export function makeTestTask(opts: TestTaskOptions = {}): Task {
  const kernel: TestKernel = { faultAttr: opts.faultAttr ?? null };
  const mm = opts.mm ?? new MmStruct(new FakeCpu(), opts.layout);
  const task = new Task(kernel as unknown as KernelArg, mm, {} as unknown as FilesArg);
  if (opts.tid !== undefined) task.pid = stubPid(opts.tid);
  return task;
}

/** A stand-in Pid that only answers nrAt() (the global tid at every level): enough for the fault injector. */
function stubPid(tid: number): Task['pid'] {
  return { nrAt: () => tid } as unknown as Task['pid'];
}

/** The FakeCpu behind a test task's address space. */
export function fakeCpuOf(task: Task): FakeCpu {
  if (!(task.mm.cpu instanceof FakeCpu)) throw new Error('fakeCpuOf: not a FakeCpu');
  return task.mm.cpu;
}

/** The stand-in kernel of a test task. */
export function testKernelOf(task: Task): TestKernel {
  return task.kernel as unknown as TestKernel;
}

function hex(x: number): string {
  return '0x' + x.toString(16);
}
