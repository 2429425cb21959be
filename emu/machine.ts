/**
 * Machine: the run loop. It owns the Unicorn engines (one per address space), wires each engine's syscall hook to
 * the kernel, and repeats: pick a task, make its registers live, run until a trap, hand the trap to the kernel.
 */
import { Kernel, type KernelOptions, type Trap } from '../kernel/kernel.js';
import { afterRun, switchTo } from '../kernel/sched/core.js';
import { pickNextTask, timerTickNeeded } from '../kernel/sched/timers.js';
import type { Task } from '../kernel/sched/task.js';
import { SIG } from '../kernel/uapi/signal.js';
import type { StopReason } from './engine.js';
import { UnicornCpu, type HartPool } from './cpu.js';
import { Hart } from './hart.js';
import { nodeHostIo } from './host_io.js';
import { X86_REG } from './unicorn/consts.js';

export interface MachineOptions extends Omit<KernelOptions, 'cpuFactory' | 'hostIo'> {
  hostIo?: KernelOptions['hostIo'];
  /** Instructions per quantum while two or more tasks are runnable (deterministic preemption). */
  quantum?: number;
}

/** Idle harts kept for reuse (each holds about 3 MiB of engine state). */
const HART_POOL_MAX = 16;

/** Why the loop ended without every task finishing. */
export class DeadlockError extends Error {}

export class Machine {
  readonly kernel: Kernel;
  private readonly quantum: number;
  /** Every hart made, lent or pooled. */
  private readonly harts = new Set<Hart>();
  /** Harts of released address spaces, lent to the next address space that runs. */
  private readonly idle: Hart[] = [];
  private readonly pool: HartPool = { acquire: () => this.acquireHart(), release: (h) => this.releaseHart(h) };

  constructor(opts: MachineOptions = {}) {
    this.quantum = opts.quantum ?? 200_000;
    this.kernel = new Kernel({ ...opts, hostIo: opts.hostIo ?? nodeHostIo, cpuFactory: () => this.newCpu() });
  }

  private newCpu(): UnicornCpu {
    return new UnicornCpu(this.pool);
  }

  /** A hart from the pool, or a new one wired to the kernel (its hooks call into whichever task runs on it). */
  private acquireHart(): Hart {
    const pooled = this.idle.pop();
    if (pooled) return pooled;
    const hart = new Hart();
    const kernel = this.kernel;
    hart.engine.onSyscall(() => {
      kernel.syscallTrap(kernel.current!);
    });
    hart.engine.pageFault = (address) => kernel.current?.mm.findVmaForAccess(address) !== undefined;
    this.harts.add(hart);
    return hart;
  }

  /** Runs until no task can run. Throws DeadlockError when tasks remain blocked with nothing runnable. */
  run(): void {
    const k = this.kernel;
    for (;;) {
      const task = pickNextTask(k);
      if (!task) break;
      switchTo(k, task);
      const count = k.runQueue.length > 0 || timerTickNeeded(k) ? this.quantum : 0;
      afterRun(k, task, this.runTask(task, count));
    }
    const blocked = [...k.tasks].filter((t) => t.state === 'blocked');
    if (blocked.length) throw new DeadlockError(`${blocked.length} task(s) blocked forever with nothing runnable`);
  }

  private runTask(task: Task, count: number): Trap {
    const hart = (task.mm.cpu as UnicornCpu).hart;
    const rip = hart.readReg(X86_REG.RIP);
    const stop = hart.engine.run(rip, count);
    if (this.kernel.pendingControl) return { kind: 'control' };
    return this.trapOf(hart, stop, count);
  }

  /** Maps an engine stop that was not a syscall control to a trap: a fault's signal, or preemption. */
  private trapOf(cpu: Hart, stop: StopReason, count: number): Trap {
    const rip = cpu.readReg(X86_REG.RIP);
    switch (stop.kind) {
      case 'fault':
        return { kind: 'signal', signo: SIG.SIGSEGV, address: stop.address, rip };
      case 'invalid-insn':
        return { kind: 'signal', signo: SIG.SIGILL, address: Number(rip), rip };
      case 'interrupt':
        return { kind: 'signal', signo: signalOfInterrupt(stop.intno), address: Number(rip), rip };
      case 'error':
        return { kind: 'signal', signo: SIG.SIGSEGV, address: Number(rip), rip };
      case 'stopped':
        // Neither a syscall nor the quantum: the guest executed hlt, which user mode may not (#GP -> SIGSEGV).
        return count > 0 && !cpu.atHlt() ? { kind: 'preempt' } : { kind: 'signal', signo: SIG.SIGSEGV, address: 0, rip };
    }
  }

  /** Keeps an emptied hart for reuse, up to HART_POOL_MAX; destroys the others. */
  private releaseHart(hart: Hart): void {
    if (this.idle.length < HART_POOL_MAX) {
      this.idle.push(hart);
      return;
    }
    this.harts.delete(hart);
    hart.destroy();
  }

  /** Releases every engine, lent or pooled. */
  close(): void {
    for (const hart of this.harts) hart.destroy();
    this.harts.clear();
    this.idle.length = 0;
  }
}

/** The signal Linux sends for a CPU exception vector (arch/x86/kernel/traps.c). */
function signalOfInterrupt(intno: number): number {
  if (intno === 0) return SIG.SIGFPE; // #DE divide error
  if (intno === 1 || intno === 3) return SIG.SIGTRAP; // #DB, #BP (int3)
  if (intno === 6) return SIG.SIGILL; // #UD
  if (intno === 16 || intno === 19) return SIG.SIGFPE; // #MF, #XM
  if (intno === 17) return SIG.SIGBUS; // #AC
  return SIG.SIGSEGV; // #GP, #SS, #NP, int $n without a gate
}
