/**
 * The scheduler's core: choosing the next task, switching a CPU to it, and acting on what stopped it. The run loop
 * in emu/ calls `pickNext`, `switchTo`, runs the CPU, then `afterRun`. Linux: kernel/sched/core.c __schedule()
 * and context_switch(), reduced to a deterministic round robin.
 */
import { PT } from '../arch/x86/ptregs.js';
import { raxValue } from '../arch/x86/entry.js';
import { isControl } from './syscall_control.js';
import type { Kernel, Trap } from '../kernel.js';
import type { Task } from './task.js';
import { forceSigFatal } from '../signal.js';

/** Wakes a blocked task: it becomes runnable and will re-run its syscall. */
export function wakeTask(task: Task): void {
  if (task.state !== 'blocked') return;
  task.state = 'runnable';
  task.blockedOn = null;
  task.kernel.runQueue.enqueue(task);
}

/**
 * Re-runs the syscall a woken task slept in. Returns true when it completed (its return registers are queued in
 * task.pendingReturn; the saved context holds every other register), false when it must sleep again.
 */
function retryBlockedSyscall(kernel: Kernel, task: Task): boolean {
  const regs = task.blockedSyscall!;
  const result = kernel.runSyscall(task, regs);
  if (isControl(result)) {
    if (result.kind === 'block') {
      sleepOn(task, result.queue);
      return false;
    }
    task.blockedSyscall = null;
    task.blockedRetry = null;
    if (result.kind !== 'yield') return result.kind !== 'exit' && !isDead(task);
    task.pendingReturn = [raxValue(result.result), regs[PT.rcx], regs[PT.r11]];
    return true;
  }
  task.blockedSyscall = null;
  task.blockedRetry = null;
  task.pendingReturn = [raxValue(result), regs[PT.rcx], regs[PT.r11]];
  return true;
}

function isDead(task: Task): boolean {
  return task.state === 'zombie' || task.state === 'dead';
}

function sleepOn(task: Task, queue: NonNullable<Task['blockedOn']>): void {
  task.state = 'blocked';
  task.blockedOn = queue;
  queue.add({ wake: () => wakeTask(task) });
}

/** The next task to run, with any woken syscall completed; undefined when nothing can run. */
export function pickNext(kernel: Kernel): Task | undefined {
  for (;;) {
    const task = kernel.runQueue.pickNext();
    if (!task) return undefined;
    if (isDead(task)) continue;
    if (task.blockedSyscall && !retryBlockedSyscall(kernel, task)) continue;
    if (isDead(task)) continue;
    return task;
  }
}

/**
 * Makes task's registers live on its CPU. Every task's context is saved when its run ends (afterRun), so any
 * task can resume on whatever engine its address space has now.
 */
export function switchTo(kernel: Kernel, task: Task): void {
  const mm = task.mm;
  if (task.ctx) mm.cpu.restoreContext(task.ctx);
  if (task.resumeRegs) {
    mm.cpu.writeRegs(task.resumeRegs);
    task.resumeRegs = null;
  }
  if (task.pendingReturn) {
    mm.cpu.writeSyscallReturn(...task.pendingReturn);
    task.pendingReturn = null;
  }
  task.state = 'running';
  kernel.current = task;
}

/** Acts on what ended a run of task. Linux: the exit-to-user-mode work and the signal delivery of a fault. */
export function afterRun(kernel: Kernel, task: Task, trap: Trap): void {
  kernel.current = null;
  if (!isDead(task)) task.ctx = task.mm.cpu.saveContext(task.ctx ?? undefined);
  if (trap.kind === 'signal') forceSigFatal(task, trap.signo, trap.address, trap.rip);
  kernel.releaseDeadMms();
  if (trap.kind === 'control') {
    const ctrl = kernel.pendingControl!;
    kernel.pendingControl = null;
    if (ctrl.kind === 'block') {
      if (!isDead(task)) sleepOn(task, ctrl.queue);
      return;
    }
  }
  if (isDead(task)) return;
  task.state = 'runnable';
  kernel.runQueue.enqueue(task);
}
