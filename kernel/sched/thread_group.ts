/**
 * ThreadGroup: what the threads of one process share, Linux's `struct signal_struct` (include/linux/sched/signal.h)
 * under gVisor's name: the leader, the live threads, the group exit status, the process group and session, and the
 * wait queue its parent's wait4/waitid sleeps on for the group's children.
 */
import type { Pid } from '../pid.js';
import type { Task } from './task.js';
import { WaitQueue } from './wait_queue.js';

export class ThreadGroup {
  /** Live (not yet exited) threads, the leader included while it runs. */
  readonly threads = new Set<Task>();
  /** Set by exit_group or a fatal signal: every thread ends with groupExitCode. Linux SIGNAL_GROUP_EXIT. */
  groupExit = false;
  /** Wait status of the whole group once groupExit is set. */
  groupExitCode = 0;
  /** Linux SIGNAL_UNKILLABLE: a namespace init ignores signals from inside its namespace with no handler. */
  unkillable = false;
  /** prctl(PR_SET_CHILD_SUBREAPER). */
  isChildSubreaper = false;
  /** Sleepers in wait4/waitid of this group's threads (Linux signal->wait_chldexit). */
  readonly childExit = new WaitQueue();

  constructor(
    public leader: Task,
    public pgrp: Pid,
    public session: Pid,
  ) {}
}
