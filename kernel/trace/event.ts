/** One completed syscall, as the trace sinks (--strace, JSON lines) receive it. */
import type { PtRegs } from '../arch/x86/ptregs.js';
import type { SyscallResult } from '../sched/syscall_control.js';
import type { Task } from '../sched/task.js';

export interface SyscallEvent {
  readonly task: Task;
  /** The number as dispatched (low 32 bits of orig_rax, sign-extended). */
  readonly nr: number;
  /** The entry frame; read it before the next syscall reuses it. */
  readonly regs: PtRegs;
  readonly result: SyscallResult;
}
