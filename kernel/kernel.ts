/**
 * Kernel: the root object of the Linux model. It owns the tasks, the run queue, the syscall table, the root pid
 * namespace, the options and the trace sink; `emu/` drives it (run a task on its CPU until a trap, then hand the
 * trap here).
 */
import type { Cpu, CpuFactory } from './cpu.js';
import { PT, newPtRegs, type PtRegs } from './arch/x86/ptregs.js';
import { buildEntryFrame, dispatch, raxValue, syscallNr } from './arch/x86/entry.js';
import { syscallTable, type SyscallTable } from './arch/x86/syscall_table.js';
import type { SyscallDef } from './arch/x86/syscall_def.js';
import { isControl, type SyscallControl, type SyscallResult } from './sched/syscall_control.js';
import { RunQueue } from './sched/scheduler.js';
import { Task } from './sched/task.js';
import { ThreadGroup } from './sched/thread_group.js';
import type { HostIo } from './fs/host_io.js';
import type { SyscallEvent } from './trace/event.js';
import { FilesStruct } from './fs/files_struct.js';
import { ConsoleFile } from './fs/console.js';
import { prepareImage, type ExecRequest } from './exec.js';
import { Prng } from './lib/prng.js';
import type { FatalFault } from './signal.js';
import { allocPid, attachPid, PidType, type ClonePidsOptions } from './pid.js';
import { createRootPidNamespace, setNsLastPid, type PidNamespace } from './pid_namespace.js';
import { TaskHistory } from './trace/pidns_tree.js';
import { cloneWithPidsDef } from './clone_with_pids.js';
import type { MmStruct } from './mm/mm_struct.js';
import type { FaultAttr } from './fault_inject.js';

/** Default syscall number of clone_with_pids: one no x86-64 kernel defines (it was never merged). */
export const CLONE_WITH_PIDS_NR_DEFAULT = 600;

export interface KernelOptions {
  /** Makes the CPU of each new address space. */
  cpuFactory: CpuFactory;
  /** The host side of the guest's standard streams. */
  hostIo: HostIo;
  /** Seeds AT_RANDOM, getrandom and every other pseudo-random choice (default 0). */
  seed?: number;
  /** Receives one event per completed syscall (for --strace and the JSON trace). */
  trace?: (ev: SyscallEvent) => void;
  /** 'real' reads the host clock; 'virtual' starts at a fixed time and advances per syscall (reproducible). */
  clock?: 'real' | 'virtual';
  /** pid_max of the root pid namespace (default 32768). */
  pidMax?: number;
  /** ns_last_pid of the root namespace before the first task (default: none, so the first task is pid 1). */
  nsLastPid?: number;
  /** Syscall number of clone_with_pids (default 600; 299 is the number of the 2009 patches, now recvmmsg). */
  cloneWithPidsNr?: number;
  /** set_tid error order of the newest mainline (spec 4.5); default off, as Linux 6.18. */
  allocPidValidateFirst?: boolean;
  /** clone_with_pids allocation options (spec 5.2 step 10). */
  clonePids?: ClonePidsOptions;
  /** User-copy fault injection from the start (null = off). */
  faultAttr?: FaultAttr | null;
}

/** What stopped a task's run: a syscall that returned a control, a CPU fault, or the end of its quantum. */
export type Trap =
  | { kind: 'control' }
  | { kind: 'signal'; signo: number; address: number; rip: bigint }
  | { kind: 'preempt' };

type ResolvedOptions = Required<Omit<KernelOptions, 'trace' | 'nsLastPid' | 'faultAttr'>> &
  Pick<KernelOptions, 'trace' | 'nsLastPid'>;

export class Kernel {
  readonly opts: ResolvedOptions;
  readonly runQueue = new RunQueue();
  /** Every task not yet released (running, blocked or zombie). */
  readonly tasks = new Set<Task>();
  readonly table: SyscallTable;
  readonly rootPidNs: PidNamespace;
  /** Every pid namespace made in this kernel, the root included (never shrinks: for the leak checks). */
  readonly pidNamespaces = new Set<PidNamespace>();
  readonly history = new TaskHistory();
  /** The task whose context is live and executing (inside a run), or null between runs. */
  current: Task | null = null;
  /** A control returned inside the syscall hook, for the run loop to act on. */
  pendingControl: SyscallControl | null = null;
  /** Name of the syscall being handled and the task running it (null between syscalls), for the fault sweep. */
  currentSyscall: string | null = null;
  currentSyscallTask: Task | null = null;
  /** Syscalls completed so far (drives the virtual clock). */
  syscallCount = 0;
  /** The first task (the program sysemu was asked to run). */
  init: Task | null = null;
  /** Wait status of the initial task once it has exited, else null. */
  initStatus: number | null = null;
  /** The last fatal CPU fault, for the CLI's one-line report. */
  lastFatalFault: FatalFault | null = null;
  readonly random: Prng;
  /** User-copy fault injection (null = off). */
  faultAttr: FaultAttr | null = null;
  /** The entry frame of the syscall trap being handled (reused). */
  private readonly frame: PtRegs = newPtRegs();
  /** Address spaces whose last user exited while their CPU was running: released after the run stops. */
  private readonly deadMms: MmStruct[] = [];

  constructor(opts: KernelOptions) {
    this.opts = {
      seed: 0, clock: 'real', pidMax: 32768, cloneWithPidsNr: CLONE_WITH_PIDS_NR_DEFAULT,
      allocPidValidateFirst: false, clonePids: {}, ...opts,
    };
    this.random = new Prng(this.opts.seed);
    this.faultAttr = opts.faultAttr ?? null;
    this.rootPidNs = createRootPidNamespace({ pidMax: this.opts.pidMax });
    this.pidNamespaces.add(this.rootPidNs);
    if (this.opts.nsLastPid !== undefined && setNsLastPid(this.rootPidNs, this.opts.nsLastPid, true) < 0) {
      throw new RangeError(`ns_last_pid ${this.opts.nsLastPid} is outside 0..pid_max (${this.opts.pidMax})`);
    }
    this.table = buildTable(this.opts.cloneWithPidsNr);
  }

  /** A new CPU with an empty address space. */
  newCpu(): Cpu {
    return this.opts.cpuFactory();
  }

  /**
   * Creates the initial task running req with the standard streams open on the host's fds 0-2, as the init of
   * the root pid namespace; returns it, or -errno when the image cannot be mapped.
   */
  boot(req: ExecRequest): Task | number {
    const random = new Uint8Array(16);
    this.random.fill(random);
    const img = prepareImage(this, req, random);
    if (typeof img === 'number') return img;
    const pid = allocPid(this.rootPidNs, [], { capable: () => true });
    if (typeof pid === 'number') return pid;
    const files = new FilesStruct();
    for (const fd of [0, 1, 2]) files.installAt(fd, new ConsoleFile(this.opts.hostIo, fd));
    const task = new Task(this, img.mm, files);
    task.pid = pid;
    task.group = new ThreadGroup(task, pid, pid);
    task.group.threads.add(task);
    task.group.unkillable = true;
    task.pidNsForChildren = this.rootPidNs;
    for (const type of [PidType.PID, PidType.TGID, PidType.PGID, PidType.SID]) attachPid(pid, type, task);
    this.rootPidNs.childReaper = task;
    task.comm = req.execfn.split('/').pop()!.slice(0, 15);
    task.exePath = req.exePath ?? req.execfn;
    task.resumeRegs = img.regs;
    this.tasks.add(task);
    this.history.record(task);
    this.init = task;
    this.runQueue.enqueue(task);
    return task;
  }

  /** Called by doExit once a task has become a zombie. */
  onTaskExit(task: Task): void {
    if (task !== this.init) return;
    this.initStatus = task.group.groupExit ? task.group.groupExitCode : task.exitCode;
    this.history.recordExit(task, this.initStatus);
  }

  /** The task's thread id in the root namespace (strace's [pid N]). */
  tidOf(task: Task): number {
    return task.pid.nrAt(0);
  }

  /** Drops a task's reference to an address space; the last one releases it once its CPU is not running. */
  putMm(mm: MmStruct): void {
    if (--mm.users === 0) this.deadMms.push(mm);
  }

  /** Drops a task's reference to a file table; the last one closes every descriptor. Linux: put_files_struct(). */
  putFiles(files: FilesStruct): void {
    if (--files.users === 0) files.closeAll();
  }

  /** unshare(CLONE_FILES): a private copy when the table is shared. Linux: unshare_fd(). */
  unshareFiles(files: FilesStruct): FilesStruct {
    if (files.users === 1) return files;
    files.users--;
    return files.dup();
  }

  /** Releases address spaces whose users are all gone (called between runs, when no CPU is executing). */
  releaseDeadMms(): void {
    for (const mm of this.deadMms.splice(0)) mm.release();
  }

  /**
   * The syscall trap of the running task: builds the entry frame from the live registers (only those a handler
   * reads, unless its table entry asks for the full frame), dispatches, and either
   * writes the result (fast path: true is returned and the guest goes on) or records a control and asks the CPU to
   * stop (false). Linux: entry_SYSCALL_64 + do_syscall_64 + syscall_exit_to_user_mode.
   */
  syscallTrap(task: Task): boolean {
    const cpu = task.mm.cpu;
    const regs = this.frame;
    cpu.readSyscallRegs(regs);
    if (this.table[Number(BigInt.asIntN(32, regs[PT.rax]))]?.fullFrame) cpu.readRegs(regs);
    buildEntryFrame(regs);
    const result = this.runSyscall(task, regs);
    if (!isControl(result)) {
      cpu.writeSyscallReturn(raxValue(result), regs[PT.rcx], regs[PT.r11]);
      return true;
    }
    this.pendingControl = result;
    if (result.kind === 'block') task.blockedSyscall = regs.slice();
    if (result.kind === 'yield') cpu.writeSyscallReturn(raxValue(result.result), regs[PT.rcx], regs[PT.r11]);
    cpu.stop();
    return false;
  }

  /** Runs one syscall from a built frame; traces it when it completes (not when it blocks). */
  runSyscall(task: Task, regs: PtRegs): SyscallResult {
    this.currentSyscall = this.table[syscallNr(regs)]?.name ?? null;
    this.currentSyscallTask = task;
    const result = task.blockedRetry ? task.blockedRetry() : dispatch(this.table, task, regs);
    this.currentSyscall = null;
    this.currentSyscallTask = null;
    this.syscallCount++;
    if (this.opts.trace && !(isControl(result) && result.kind === 'block')) {
      this.opts.trace({ task, nr: syscallNr(regs), regs, result });
    }
    return result;
  }
}

/** The syscall table with clone_with_pids at its configured number (it shadows whatever Linux has there). */
function buildTable(cwpNr: number): SyscallTable {
  const table = [...syscallTable()] as (SyscallDef | undefined)[];
  table[cwpNr] = cloneWithPidsDef;
  return table;
}
