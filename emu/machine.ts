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

/**
 * Most engines of each kind a machine makes. Each costs about 3 MiB and its own translated code; past this many,
 * address spaces take turns (a switch remaps their regions, about 30 us each).
 */
const HARTS_MAX = 4;

/** Why the loop ended without every task finishing. */
export class DeadlockError extends Error {}

export class Machine {
  readonly kernel: Kernel;
  private readonly quantum: number;
  /** Every hart made, lent or idle. */
  private readonly harts = new Set<Hart>();
  /** Idle harts of each kind (counting, free), lent to the next address space that runs. */
  private readonly idle = { counting: [] as Hart[], free: [] as Hart[] };
  /** Address spaces holding a hart, least recently run first. */
  private readonly holders = new Set<UnicornCpu>();
  private readonly pool: HartPool = {
    acquire: (cpu, counting) => this.acquireHart(cpu, counting),
    release: (h) => this.releaseHart(h),
  };

  constructor(opts: MachineOptions = {}) {
    this.quantum = opts.quantum ?? 200_000;
    this.kernel = new Kernel({ ...opts, hostIo: opts.hostIo ?? nodeHostIo, cpuFactory: () => this.newCpu() });
  }

  private newCpu(): UnicornCpu {
    return new UnicornCpu(this.pool);
  }

  /**
   * A hart of the given kind for cpu: an idle one, a new one while fewer than HARTS_MAX of that kind exist, else
   * the one of the address space that ran least recently (it is detached: its memory stays in host buffers). New
   * harts are wired to the kernel (their hooks call into whichever task runs).
   */
  private acquireHart(cpu: UnicornCpu, counting: boolean): Hart {
    this.holders.add(cpu);
    const pooled = this.idle[counting ? 'counting' : 'free'].pop();
    if (pooled) return pooled;
    if ([...this.harts].filter((h) => h.counting === counting).length >= HARTS_MAX) {
      const running = this.kernel.current?.mm.cpu;
      for (const victim of this.holders) {
        if (victim === cpu || victim === running || victim.attachedKind !== counting) continue;
        this.holders.delete(victim);
        return victim.detach()!;
      }
    }
    const hart = spare[counting ? 'counting' : 'free'].pop() ?? newHart(counting);
    hart.owner = this.kernel;
    this.harts.add(hart);
    return hart;
  }

  /** Runs until no task can run. Throws DeadlockError when tasks remain blocked with nothing runnable. */
  run(): void {
    const k = this.kernel;
    for (;;) {
      const task = pickNextTask(k);
      if (!task) break;
      const counting = k.runQueue.length > 0 || timerTickNeeded(k);
      (task.mm.cpu as UnicornCpu).useHart(counting);
      switchTo(k, task);
      afterRun(k, task, this.runTask(task));
    }
    const blocked = [...k.tasks].filter((t) => t.state === 'blocked');
    if (blocked.length) throw new DeadlockError(`${blocked.length} task(s) blocked forever with nothing runnable`);
  }

  /**
   * Runs task's current context. A counting hart always runs with the quantum as instruction count: Unicorn
   * re-translates all code whenever an engine switches between counting and not (a cost of milliseconds), so a
   * task that needs preemption moves to a counting hart instead.
   */
  private runTask(task: Task): Trap {
    const cpu = task.mm.cpu as UnicornCpu;
    const hart = cpu.hart;
    this.holders.delete(cpu);
    this.holders.add(cpu);
    const count = hart.counting ? this.quantum : 0;
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

  /** Takes back a hart (its address space was released, or moved to a hart of the other kind). */
  private releaseHart(hart: Hart): void {
    for (const cpu of this.holders) if (cpu.attachedKind === null) this.holders.delete(cpu);
    this.idle[hart.counting ? 'counting' : 'free'].push(hart);
  }

  /**
   * Ends the machine: every address space still holding a hart gives it back, and the harts go to the process's
   * spares (up to SPARES_MAX of each kind) with their parked program text, so the next machine running the same
   * program (a sweep's reruns, a test suite) starts with translated code; the rest are destroyed.
   */
  close(): void {
    for (const cpu of this.holders) cpu.detach();
    this.holders.clear();
    for (const hart of this.harts) {
      const list = spare[hart.counting ? 'counting' : 'free'];
      hart.owner = null;
      if (list.length < SPARES_MAX) list.push(hart);
      else hart.destroy();
    }
    this.harts.clear();
    this.idle.counting.length = 0;
    this.idle.free.length = 0;
  }
}

/** Harts of closed machines, kept for the next machine of this process. */
const spare = { counting: [] as Hart[], free: [] as Hart[] };
const SPARES_MAX = 2;

/** A new hart whose hooks call into the kernel of the machine it is lent to. */
function newHart(counting: boolean): Hart {
  const hart = new Hart(counting);
  hart.engine.onSyscall(() => {
    const k = hart.owner!;
    k.syscallTrap(k.current!);
  });
  hart.engine.pageFault = (address) => hart.owner?.current?.mm.findVmaForAccess(address) !== undefined;
  return hart;
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
