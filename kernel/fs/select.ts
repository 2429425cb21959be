/**
 * poll and ppoll: which descriptors are ready, sleeping until one is or the timeout passes. Readiness comes from
 * File.poll (pipes, pidfds); other files are always readable and writable. A sleeping poll waits on a queue of
 * its own that every polled file's queue and its timer wake; the re-run after a wake scans again, and returns 0
 * once its timer has fired. ppoll's signal mask is ignored (sysemu delivers no signals to handlers).
 * Linux: fs/select.c do_sys_poll(), do_poll().
 */
import { Errno } from '../uapi/errno.js';
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLRDNORM, POLLWRNORM } from '../uapi/poll.js';
import { copyFromUser, copyToUser } from '../uaccess.js';
import { block, type SyscallResult } from '../sched/syscall_control.js';
import { WaitQueue } from '../sched/wait_queue.js';
import { addTimer, cancelTimer, monotonicAfter, monotonicNowNs, type KernelTimer } from '../sched/timers.js';
import { getTimespecNs } from '../futex.js';
import { NR_OPEN_DEFAULT } from './files_struct.js';
import type { Task } from '../sched/task.js';
import type { SyscallArgs } from '../arch/x86/syscall_args.js';
import type { SyscallDef } from '../arch/x86/syscall_def.js';

/** What a file without a poll method reports (Linux DEFAULT_POLLMASK). */
const DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
/** sizeof(struct pollfd): int fd, short events, short revents. */
const POLLFD_SIZE = 8;

/** A poll in progress: the queue it sleeps on and its timeout timer (null = no timeout). */
interface PollWait {
  queue: WaitQueue;
  timer: KernelTimer | null;
}

const polling = new WeakMap<Task, PollWait>();

/** Fills each entry's revents; returns how many are non-zero. Linux: do_pollfd(). */
function scan(task: Task, v: DataView, n: number, wait: WaitQueue | null): number {
  let ready = 0;
  for (let i = 0; i < n; i++) {
    const fd = v.getInt32(i * POLLFD_SIZE, true);
    const events = v.getUint16(i * POLLFD_SIZE + 4, true) | POLLERR | POLLHUP;
    let revents = 0;
    if (fd >= 0) {
      const file = task.files.get(fd);
      const p = file ? (file.poll?.() ?? { revents: DEFAULT_POLLMASK, queue: null }) : null;
      revents = p ? p.revents & events : POLLNVAL;
      if (p?.queue && wait) p.queue.add({ wake: () => wait.wakeAll() });
    }
    v.setUint16(i * POLLFD_SIZE + 6, revents, true);
    if (revents) ready++;
  }
  return ready;
}

/** Ends a poll: writes the revents back and returns the count, or -EFAULT. */
function finish(task: Task, ufds: number, raw: Uint8Array, count: number): SyscallResult {
  const w = polling.get(task);
  if (w) cancelTimer(w.timer);
  polling.delete(task);
  return copyToUser(task, ufds, raw, 'poll:ufds') ? -Errno.EFAULT : count;
}

/**
 * The shared body: nfds entries at ufds, deadline on the monotonic clock (null = wait forever, 'now' = do not
 * wait). Returns the ready count or 0 at the timeout; -EINVAL when nfds exceeds RLIMIT_NOFILE, -EFAULT.
 */
function doSysPoll(task: Task, ufds: number, nfds: number, deadline: bigint | null | 'now'): SyscallResult {
  if (nfds > NR_OPEN_DEFAULT) return -Errno.EINVAL;
  const raw = new Uint8Array(nfds * POLLFD_SIZE);
  if (copyFromUser(task, raw, ufds, 'poll:ufds')) return -Errno.EFAULT;
  const v = new DataView(raw.buffer);
  const prev = polling.get(task);
  if (prev?.timer?.state === 'fired') {
    scan(task, v, nfds, null);
    return finish(task, ufds, raw, 0);
  }
  const queue = prev?.queue ?? new WaitQueue();
  const ready = scan(task, v, nfds, queue);
  if (ready > 0 || deadline === 'now' || (deadline !== null && deadline <= monotonicNowNs(task.kernel))) {
    return finish(task, ufds, raw, ready);
  }
  if (!prev) polling.set(task, { queue, timer: deadline === null ? null : addTimer(task, deadline, () => queue.wakeAll()) });
  return block(queue);
}

/** poll(fds, nfds, timeout_ms): a negative timeout waits forever, 0 does not wait. */
function sysPoll(task: Task, a: SyscallArgs): SyscallResult {
  const ms = a.int(2);
  const deadline = polling.has(task) ? null : ms < 0 ? null : ms === 0 ? 'now' : monotonicAfter(task.kernel, BigInt(ms) * 1_000_000n);
  return doSysPoll(task, a.ptr(0), a.uint(1), deadline);
}

/** ppoll(fds, nfds, tmo_p, sigmask, sigsetsize): a NULL timeout waits forever; -EINVAL for a bad timespec. */
function sysPpoll(task: Task, a: SyscallArgs): SyscallResult {
  if (polling.has(task) || a.ptr(2) === 0) return doSysPoll(task, a.ptr(0), a.uint(1), null);
  const ns = getTimespecNs(task, a.ptr(2), 'ppoll:tmo_p');
  if (typeof ns === 'number') return ns;
  return doSysPoll(task, a.ptr(0), a.uint(1), ns === 0n ? 'now' : monotonicAfter(task.kernel, ns));
}

export const pollSyscalls: SyscallDef[] = [
  { name: 'poll', fn: sysPoll, support: 'partial', note: 'pipes and pidfds wait; other files are always ready', args: ['ptr', 'uint', 'int'] },
  { name: 'ppoll', fn: sysPpoll, support: 'partial', note: 'the signal mask is ignored', args: ['ptr', 'uint', 'ptr', 'ptr', 'ulong'] },
];
