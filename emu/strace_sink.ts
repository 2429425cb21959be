/** The --strace sink: formats each syscall event as strace does, with `[pid N]` once several tasks exist. */
import type { SyscallEvent } from '../kernel/trace/event.js';
import { straceLine } from '../kernel/trace/strace.js';

export function stracePrinter(out: (line: string) => void): (ev: SyscallEvent) => void {
  return (ev) => {
    const k = ev.task.kernel;
    const prefix = k.tasks.size > 1 ? `[pid ${k.tidOf(ev.task)}] ` : '';
    out(straceLine(ev, { prefix }));
  };
}
