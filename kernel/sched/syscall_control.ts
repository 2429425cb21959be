/**
 * What a syscall handler returns. A number or bigint is the result (`-errno` for an error) and is written to rax
 * inside the syscall hook: the fast path. A SyscallControl stops the engine and the run loop acts on it.
 */
import type { WaitQueue } from './wait_queue.js';

export type SyscallControl =
  /** Sleep on queue; when woken, run the same handler again with the same arguments (Linux: wait_event loops). */
  | { readonly kind: 'block'; readonly queue: WaitQueue }
  /** The task has exited (exit, exit_group, fatal signal): no register is written. */
  | { readonly kind: 'exit' }
  /** The task's registers were replaced (execve): nothing is written back. */
  | { readonly kind: 'exec' }
  /** The result is decided; give other tasks the CPU before the caller goes on (sched_yield, vfork parent). */
  | { readonly kind: 'yield'; readonly result: number | bigint };

export type SyscallResult = number | bigint | SyscallControl;

export const CTRL_EXIT: SyscallControl = { kind: 'exit' };
export const CTRL_EXEC: SyscallControl = { kind: 'exec' };

export function block(queue: WaitQueue): SyscallControl {
  return { kind: 'block', queue };
}

export function isControl(r: SyscallResult): r is SyscallControl {
  return typeof r === 'object';
}
