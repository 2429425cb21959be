/**
 * The shape of one syscall table entry. Each syscall family (kernel/mm/mmap.ts, kernel/fs/read_write.ts, ...)
 * exports a list of these; kernel/arch/x86/syscall_table.ts gathers them into the table indexed by number.
 */
import type { Task } from '../../sched/task.js';
import type { SyscallResult } from '../../sched/syscall_control.js';
import type { SyscallArgs } from './syscall_args.js';
import type { ArgFormat } from '../../trace/format_args.js';

export type SyscallHandler = (task: Task, args: SyscallArgs) => SyscallResult;

/** How much of Linux's behaviour a handler models (gVisor's Supported / PartiallySupported / Error). */
export type Support = 'full' | 'partial' | 'enosys';

export interface SyscallDef {
  /** Linux's name (syscall_64.tbl). */
  readonly name: string;
  readonly fn: SyscallHandler;
  readonly support: Support;
  /** What is missing when support is 'partial' or 'enosys'. */
  readonly note?: string;
  /** How --strace prints the arguments (defaults to hex words). */
  readonly args?: readonly ArgFormat[];
  /**
   * The handler reads registers beyond rax, the arguments, rip and eflags (the clone family copies the whole
   * frame into the child): the entry reads every register first.
   */
  readonly fullFrame?: boolean;
  /** How --strace prints the result (default: signed decimal; 'hex' for addresses). */
  readonly ret?: 'dec' | 'hex';
}
