/**
 * The record of every task that existed in a run, for `sysemu run --pidns-tree` and for tests: its numbers at
 * every pid-namespace level (like /proc/<pid>/status NSpid:), its parent, whether it was a thread, and its exit
 * status once released.
 */
import type { Task } from '../sched/task.js';

export interface TaskRecord {
  /** Creation order (numbers may be reused during a run; ids are not). */
  id: number;
  /** The parent's id, or -1 for the first task. */
  parentId: number;
  /** Numbers from the root namespace inwards (NSpid order). */
  nspid: number[];
  /** The parent's root-namespace tid, or 0 for the first task. */
  ppid: number;
  comm: string;
  thread: boolean;
  /** Wait status when released (exit code << 8, or signal), null while alive or a zombie. */
  status: number | null;
}

export class TaskHistory {
  private readonly records: TaskRecord[] = [];
  /** Lookup by task without keeping released tasks alive. */
  private readonly byTask = new WeakMap<Task, TaskRecord>();

  /** Notes a new task (call once its pid and parent are set). */
  record(t: Task): void {
    const r: TaskRecord = {
      id: this.records.length,
      parentId: t.parent ? (this.byTask.get(t.parent)?.id ?? -1) : -1,
      nspid: Array.from({ length: t.pid.level + 1 }, (_, i) => t.pid.nrAt(i)),
      ppid: t.parent ? t.parent.pid.nrAt(0) : 0,
      comm: t.comm,
      thread: t !== t.group.leader,
      status: null,
    };
    this.records.push(r);
    this.byTask.set(t, r);
  }

  recordExit(t: Task, status: number): void {
    const r = this.byTask.get(t);
    if (r) r.status = status;
  }

  /** Every record, in creation order. */
  list(): TaskRecord[] {
    return [...this.records];
  }
}

function describeStatus(s: number | null): string {
  if (s === null) return 'not reaped';
  const sig = s & 0x7f;
  return sig ? `killed by signal ${sig}` : `exited ${(s >> 8) & 0xff}`;
}

/** The tree as text: one line per task, children indented under their parent, `NSpid: a b c`. */
export function formatPidnsTree(records: TaskRecord[]): string {
  const byParent = new Map<number, TaskRecord[]>();
  for (const r of records) byParent.set(r.parentId, [...(byParent.get(r.parentId) ?? []), r]);
  const lines: string[] = [];
  const walk = (r: TaskRecord, depth: number): void => {
    const kind = r.thread ? ' (thread)' : '';
    lines.push(`${'  '.repeat(depth)}${r.nspid[0]} ${r.comm}${kind} NSpid: ${r.nspid.join(' ')} [${describeStatus(r.status)}]`);
    for (const c of byParent.get(r.id) ?? []) walk(c, depth + 1);
  };
  for (const r of byParent.get(-1) ?? []) walk(r, 0);
  return lines.join('\n');
}
