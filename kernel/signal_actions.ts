/**
 * What the process model asks of the signal actions rt_sigaction stores (kernel/task_misc.ts): a new process's
 * copy of its parent's actions (with CLONE_CLEAR_SIGHAND's reset), whether a parent wants no zombies, and how a
 * target disposes of a signal. Linux: kernel/fork.c copy_sighand(), kernel/signal.c do_notify_parent(),
 * flush_signal_handlers().
 */
import { SIG } from './uapi/signal.js';
import { blockedOf, inheritSigactions, setBlocked, sigactionsOf } from './task_misc.js';
import { inheritRlimits } from './sys.js';
import type { Task } from './sched/task.js';

const SIG_DFL = 0n;
const SIG_IGN = 1n;
const SA_NOCLDWAIT = 0x2n;

/** A new task's signal state: the creator's blocked mask; a new process copies actions and rlimits. */
export function copySignalState(child: Task, parent: Task, newProcess: boolean, clearHandlers: boolean): void {
  setBlocked(child, blockedOf(parent));
  if (!newProcess) return;
  inheritRlimits(child, parent);
  inheritSigactions(child, parent);
  if (clearHandlers) {
    for (const a of sigactionsOf(child)) {
      if (a.sa_handler !== SIG_IGN) Object.assign(a, { sa_handler: SIG_DFL, sa_flags: 0n, sa_mask: 0n });
    }
  }
}

/** True when parent ignores SIGCHLD or set SA_NOCLDWAIT and the child signals SIGCHLD: no zombie is kept. */
export function childAutoReaped(parent: Task, child: Task): boolean {
  if (child.exitSignal !== SIG.SIGCHLD) return false;
  const a = sigactionsOf(parent)[SIG.SIGCHLD - 1]!;
  return a.sa_handler === SIG_IGN || (a.sa_flags & SA_NOCLDWAIT) !== 0n;
}

/** How target's process disposes of sig: its default action, ignored, or a handler (never run by sysemu). */
export function dispositionOf(target: Task, sig: number): 'default' | 'ignore' | 'handler' {
  const h = sigactionsOf(target)[sig - 1]?.sa_handler ?? SIG_DFL;
  return h === SIG_DFL ? 'default' : h === SIG_IGN ? 'ignore' : 'handler';
}
