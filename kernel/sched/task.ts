/**
 * Task: one thread of execution, Linux's `struct task_struct` (include/linux/sched.h), reduced to what sysemu models.
 * A task is runnable, running (its context is live in its MmStruct's CPU), blocked on a wait queue, a zombie
 * (exited, its numbers kept until it is reaped) or dead (released).
 */
import type { CpuContext } from '../cpu.js';
import type { PtRegs } from '../arch/x86/ptregs.js';
import type { MmStruct } from '../mm/mm_struct.js';
import type { FilesStruct } from '../fs/files_struct.js';
import type { Kernel } from '../kernel.js';
import type { Pid } from '../pid.js';
import type { PidNamespace } from '../pid_namespace.js';
import type { ThreadGroup } from './thread_group.js';
import type { WaitQueue } from './wait_queue.js';
import type { SyscallResult } from './syscall_control.js';

export type TaskState = 'runnable' | 'running' | 'blocked' | 'zombie' | 'dead';

export class Task {
  state: TaskState = 'runnable';
  /** The CPU state saved when the task last left the CPU; null while running or before first run. */
  ctx: CpuContext | null = null;
  /** Registers to write after restoring ctx (a new child's frame, or a finished syscall's result). */
  resumeRegs: PtRegs | null = null;
  /** rax, rcx, r11 of a blocked syscall that completed, written when the task next runs. */
  pendingReturn: [bigint, bigint, bigint] | null = null;
  /** The syscall frame of a blocked task, re-run when it is woken. */
  blockedSyscall: PtRegs | null = null;
  blockedOn: WaitQueue | null = null;
  /** What a woken task runs instead of its handler again (a vfork parent collecting its result). */
  blockedRetry: (() => SyscallResult) | null = null;
  /** set_tid_address / CLONE_CHILD_CLEARTID pointer (user address, 0 = none). */
  clearChildTid = 0;
  /** set_robust_list head and length (user address, bytes). */
  robustListHead = 0;
  robustListLen = 0;
  /** Per-task fault injection (/proc/<pid>/fail-nth and make-it-fail). */
  failNth = 0;
  makeItFail = false;
  /** This thread's own exit code as wait reports it ((code & 0xff) << 8, or the signal number). */
  exitCode = 0;
  /** Task name (comm), the executable's basename truncated to 15 bytes as Linux does. */
  comm = '';
  /** Path of the running executable (/proc/self/exe). */
  exePath = '';
  /** The thread's Pid (PIDTYPE_PID); its numbers are the tid in every namespace level. */
  pid!: Pid;
  group!: ThreadGroup;
  /** The task that created this one (or adopted it): it is notified and may wait for it. */
  parent: Task | null = null;
  /** Child processes (thread-group leaders) whose parent is this task. */
  readonly children = new Set<Task>();
  /** Signal sent to the parent at exit (SIGCHLD normally, 0 none, -1 for a thread). */
  exitSignal = 0;
  /** Namespace of the pids this task's children get (differs from its own after unshare(CLONE_NEWPID)). */
  pidNsForChildren!: PidNamespace;
  /** Holds every capability (uid 0 in the initial user namespace). */
  privileged = true;
  /** A vfork parent sleeps here until this child exits or execs. */
  vforkDone: WaitQueue | null = null;

  constructor(
    readonly kernel: Kernel,
    public mm: MmStruct,
    public files: FilesStruct,
  ) {}

  /** True once the task has exited (zombie or released). */
  get exited(): boolean {
    return this.state === 'zombie' || this.state === 'dead';
  }

  /** The thread-group leader's Pid: the process id. */
  get tgid(): Pid {
    return this.group.leader.pid;
  }
}
