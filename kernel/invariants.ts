/**
 * Invariant checks over a Kernel at a quiescent point (between syscalls, or after the guest ended), used by the
 * fault sweep after every run. Each check returns one message per violation (empty = holds); none throws. They
 * are sysemu's own consistency rules, not Linux code, stated in Linux's terms:
 * - pids: every number of every pid namespace that ever existed belongs to a live Pid used by a live task, and
 *   each namespace's pid_allocated matches (checkPidInvariants in pid.ts);
 * - tasks: no task is half made (pid, group, mm, files, attached to its pid, known to its parent) and no released
 *   task is still referenced (by a pid, a parent, a child list, a thread group, a namespace or the run queue);
 * - namespaces: a namespace whose init has died takes no new pids;
 * - after the end: only the initial task is left (a zombie), every address space is released and every file is
 *   closed except the console, compared with a snapshot taken before the run.
 */
import { checkPidInvariants, findPidNs, pidNamespaceNumbers, PidType, PIDTYPE_MAX, type Pid } from './pid.js';
import { MmStruct } from './mm/mm_struct.js';
import { liveFiles } from './fs/files_struct.js';
import { ConsoleFile } from './fs/console.js';
import type { File } from './fs/file.js';
import type { Kernel } from './kernel.js';
import type { Task } from './sched/task.js';

/** The address spaces and files alive in this process at one moment (before a run). */
export interface LiveSnapshot {
  readonly mms: ReadonlySet<MmStruct>;
  readonly files: ReadonlySet<File>;
}

/** Copies the sets of live MmStructs and Files, to compare with after a run. */
export function liveSnapshot(): LiveSnapshot {
  return { mms: new Set(MmStruct.live), files: new Set(liveFiles()) };
}

/** How a task is named in messages: root-namespace tid and comm, or a note when it has no pid. */
function taskName(t: Task): string {
  const pid = t.pid as Pid | undefined;
  return pid === undefined ? `task without pid (${t.comm || '?'})` : `tid ${pid.nrAt(0)} (${t.comm}, ${t.state})`;
}

/**
 * Pid invariants (see checkPidInvariants) over every namespace in kernel.pidNamespaces, plus: every user of a
 * published Pid is a task the kernel still holds.
 */
export function checkPids(kernel: Kernel): string[] {
  const bad = checkPidInvariants(kernel.pidNamespaces);
  const seen = new Set<Pid>();
  for (const ns of kernel.pidNamespaces) {
    for (const { nr, pid } of pidNamespaceNumbers(ns)) {
      if (pid === null || seen.has(pid)) continue;
      seen.add(pid);
      for (let type = 0; type < PIDTYPE_MAX; type++) {
        for (const t of pid.users(type as PidType)) {
          if (!kernel.tasks.has(t)) bad.push(`level ${ns.level} nr ${nr}: used (type ${type}) by released ${taskName(t)}`);
        }
      }
    }
  }
  return bad;
}

/** One task's own structure: the fields a finished copy_process sets, and its pid published at every level. */
function checkTaskShape(t: Task): string[] {
  const who = taskName(t);
  if (t.state === 'dead') return [`${who}: released but still in kernel.tasks`];
  const missing = (['pid', 'group', 'mm', 'files', 'pidNsForChildren'] as const).filter((k) => t[k] === undefined);
  if (missing.length > 0) return [`${who}: half made, no ${missing.join(', ')}`];
  const bad: string[] = [];
  if (t.pid.freed) bad.push(`${who}: its pid was freed`);
  if (!t.pid.users(PidType.PID).includes(t)) bad.push(`${who}: not attached to its pid`);
  const chain = t.pid.numbers;
  for (const { nr, ns } of chain) {
    if (findPidNs(nr, ns) !== t.pid) bad.push(`${who}: pid not published as ${nr} at level ${ns.level}`);
  }
  return bad;
}

/** A task's links to others: group, parent, children, all live and pointing back. */
function checkTaskLinks(kernel: Kernel, t: Task): string[] {
  const who = taskName(t);
  const bad: string[] = [];
  const g = t.group;
  if (!t.exited && !g.threads.has(t)) bad.push(`${who}: running but not in its thread group`);
  for (const th of g.threads) if (!kernel.tasks.has(th)) bad.push(`${who}: thread group holds released ${taskName(th)}`);
  if (!kernel.tasks.has(g.leader)) bad.push(`${who}: group leader ${taskName(g.leader)} was released`);
  if (t === g.leader) {
    if (!g.pgrp.users(PidType.PGID).includes(t)) bad.push(`${who}: not attached to its process group`);
    if (!g.session.users(PidType.SID).includes(t)) bad.push(`${who}: not attached to its session`);
    if (!t.pid.users(PidType.TGID).includes(t)) bad.push(`${who}: not attached as its group's tgid`);
    if (t.parent !== null && !t.parent.children.has(t)) bad.push(`${who}: missing from its parent's children`);
  }
  if (t.parent !== null && !kernel.tasks.has(t.parent)) bad.push(`${who}: parent ${taskName(t.parent)} was released`);
  for (const c of t.children) {
    if (!kernel.tasks.has(c)) bad.push(`${who}: child ${taskName(c)} was released`);
    else if (c.parent !== t) bad.push(`${who}: child ${taskName(c)} names another parent`);
  }
  return bad;
}

/**
 * No task is half made and no released task is referenced: every task in kernel.tasks is complete and linked
 * both ways; the run queue and every namespace that still has pids refer only to tasks the kernel holds.
 */
export function checkTasks(kernel: Kernel): string[] {
  const bad: string[] = [];
  for (const t of kernel.tasks) {
    const shape = checkTaskShape(t);
    bad.push(...(shape.length > 0 ? shape : checkTaskLinks(kernel, t)));
  }
  for (const t of kernel.runQueue.list()) {
    if (!kernel.tasks.has(t)) bad.push(`run queue holds released ${taskName(t)}`);
  }
  for (const ns of kernel.pidNamespaces) {
    const r = ns.childReaper;
    if (ns.pidAllocated > 0 && r !== null && !kernel.tasks.has(r)) {
      bad.push(`level ${ns.level}: ${ns.pidAllocated} pid(s) left but its reaper ${taskName(r)} was released`);
    }
  }
  return bad;
}

/** A namespace whose init (and its whole group) has exited must refuse new pids. Linux: zap_pid_ns_processes(). */
export function checkNamespaces(kernel: Kernel): string[] {
  const bad: string[] = [];
  for (const ns of kernel.pidNamespaces) {
    const r = ns.childReaper;
    if (r !== null && r.exited && r.group.threads.size === 0 && ns.accepting) {
      bad.push(`level ${ns.level}: init ${taskName(r)} died but the namespace still accepts pids`);
    }
  }
  return bad;
}

/**
 * After the guest ended: only the initial task is left, as a zombie; no namespace but the root has a pid; every
 * MmStruct and every non-console File made since `before` is released.
 */
export function checkAfterExit(kernel: Kernel, before: LiveSnapshot): string[] {
  const bad: string[] = [];
  for (const t of kernel.tasks) {
    if (t !== kernel.init) bad.push(`${taskName(t)}: never released`);
    else if (!t.exited) bad.push(`${taskName(t)}: the initial task has not exited`);
  }
  for (const ns of kernel.pidNamespaces) {
    if (ns !== kernel.rootPidNs && ns.pidAllocated !== 0) bad.push(`level ${ns.level}: ${ns.pidAllocated} pid(s) left`);
  }
  for (const mm of MmStruct.live) {
    if (!before.mms.has(mm)) bad.push(`address space leaked: ${mm.vmas.count} area(s), ${mm.mappedBytes()} bytes`);
  }
  for (const f of liveFiles()) {
    if (!before.files.has(f) && !(f instanceof ConsoleFile)) bad.push(`file leaked: ${f.name}`);
  }
  return bad;
}

/** Options of checkKernel. */
export interface CheckOptions {
  /** The guest has ended: also run checkAfterExit against this snapshot. */
  afterExit?: LiveSnapshot;
}

/**
 * Every check above; a check that throws (a kernel structure too broken to walk) becomes one message. Returns the
 * messages, empty when every invariant holds.
 */
export function checkKernel(kernel: Kernel, opts: CheckOptions = {}): string[] {
  const checks: Array<[string, () => string[]]> = [
    ['pids', () => checkPids(kernel)],
    ['tasks', () => checkTasks(kernel)],
    ['namespaces', () => checkNamespaces(kernel)],
  ];
  const before = opts.afterExit;
  if (before !== undefined) checks.push(['after exit', () => checkAfterExit(kernel, before)]);
  const bad: string[] = [];
  for (const [name, check] of checks) {
    try {
      bad.push(...check());
    } catch (e) {
      bad.push(`${name} check crashed: ${(e as Error).message}`);
    }
  }
  return bad;
}
