/**
 * The invariant checker (kernel/invariants.ts) on kernels with fake CPUs: silent on consistent states, one exact
 * message for each hand-made inconsistency, and the namespace registry, MmStruct and File live sets it relies on.
 */
import { describe, expect, it } from 'vitest';
import { bootHarness, poke, sys, SCRATCH, u64s, type Harness } from '../helpers/kernel_harness.js';
import { FakeCpu } from '../helpers/fake_cpu.js';
import {
  checkAfterExit, checkKernel, checkNamespaces, checkPids, checkTasks, liveSnapshot,
} from '../../kernel/invariants.js';
import { MmStruct } from '../../kernel/mm/mm_struct.js';
import { FilesStruct, liveFiles } from '../../kernel/fs/files_struct.js';
import { ConsoleFile } from '../../kernel/fs/console.js';
import { createPipe } from '../../kernel/fs/pipe.js';
import { PidType } from '../../kernel/pid.js';
import type { PidNamespace } from '../../kernel/pid_namespace.js';
import type { Task } from '../../kernel/sched/task.js';
import { SIG } from '../../kernel/uapi/signal.js';
import { CLONE_NEWPID } from '../../kernel/uapi/sched.js';

/** clone3 with these flags and SIGCHLD, nothing else; returns the child task. */
function clone(h: Harness, parent: Task, flags = 0n): Task {
  poke(parent, SCRATCH, u64s([flags, 0, 0, 0, SIG.SIGCHLD, 0, 0, 0, 0, 0, 0]));
  const nr = Number(sys(parent, 'clone3', SCRATCH, 88));
  const child = [...h.kernel.tasks].find((t) => t.parent === parent && t.pid.nrAt(parent.pid.level) === nr);
  if (!child) throw new Error(`clone3 returned ${nr}`);
  return child;
}

describe('consistent states', () => {
  it('a kernel with a running child passes every check but the after-exit one', () => {
    const h = bootHarness();
    const before = liveSnapshot();
    clone(h, h.init);
    expect(checkKernel(h.kernel)).toEqual([]);
    // The child's address space is a copy of the init's: image, stack and the harness's scratch area.
    expect(checkAfterExit(h.kernel, before)).toEqual([
      'tid 1 (init, runnable): the initial task has not exited',
      'tid 2 (init, runnable): never released',
      `address space leaked: 3 area(s), ${h.init.mm.mappedBytes()} bytes`,
    ]);
  });

  it('after the child is reaped and the init exits, nothing is left', () => {
    const h = bootHarness();
    const before = liveSnapshot();
    const child = clone(h, h.init, CLONE_NEWPID);
    sys(child, 'exit_group', 0);
    sys(h.init, 'wait4', -1, 0, 0, 0);
    sys(h.init, 'exit_group', 0);
    h.kernel.releaseDeadMms();
    expect(checkKernel(h.kernel, { afterExit: before })).toEqual([]);
  });
});

describe('half-made tasks and released tasks still referenced', () => {
  it('a child missing from its parent\'s children', () => {
    const h = bootHarness();
    const child = clone(h, h.init);
    h.init.children.delete(child);
    expect(checkTasks(h.kernel)).toEqual(['tid 2 (init, runnable): missing from its parent\'s children']);
  });

  it('a task not attached to its pid', () => {
    const h = bootHarness();
    const child = clone(h, h.init);
    child.pid.removeUser(PidType.PID, child);
    expect(checkTasks(h.kernel)).toEqual(['tid 2 (init, runnable): not attached to its pid']);
  });

  it('a task dropped from kernel.tasks without release: its pid, its parent and the run queue still hold it', () => {
    const h = bootHarness();
    const child = clone(h, h.init);
    h.kernel.tasks.delete(child);
    expect(checkPids(h.kernel)).toEqual([
      'level 0 nr 1: used (type 2) by released tid 2 (init, runnable)', // the init's process group
      'level 0 nr 1: used (type 3) by released tid 2 (init, runnable)', // and session
      'level 0 nr 2: used (type 0) by released tid 2 (init, runnable)',
      'level 0 nr 2: used (type 1) by released tid 2 (init, runnable)',
    ]);
    expect(checkTasks(h.kernel)).toEqual([
      'tid 1 (init, runnable): child tid 2 (init, runnable) was released',
      'run queue holds released tid 2 (init, runnable)',
    ]);
  });

  it('a registered task with no pid, group or namespace', () => {
    const h = bootHarness();
    h.kernel.tasks.add(new (h.init.constructor as typeof Task)(h.kernel, h.init.mm, h.init.files));
    expect(checkTasks(h.kernel)).toEqual(['task without pid (?): half made, no pid, group, pidNsForChildren']);
  });
});

describe('pid namespaces', () => {
  it('clone3(CLONE_NEWPID) and unshare(CLONE_NEWPID) register their namespaces', () => {
    const h = bootHarness();
    clone(h, h.init, CLONE_NEWPID);
    expect(sys(h.init, 'unshare', Number(CLONE_NEWPID))).toBe(0);
    expect([...h.kernel.pidNamespaces].map((ns) => ns.level)).toEqual([0, 1, 1]);
  });

  it('a namespace whose init died but still accepts pids', () => {
    const h = bootHarness();
    const child = clone(h, h.init, CLONE_NEWPID);
    sys(child, 'exit_group', 0);
    expect(checkNamespaces(h.kernel)).toEqual([]);
    child.pid.ns.accepting = true;
    expect(checkNamespaces(h.kernel)).toEqual([
      'level 1: init tid 2 (init, zombie) died but the namespace still accepts pids',
    ]);
  });

  it('pid_allocated out of step with the published numbers', () => {
    const h = bootHarness();
    h.kernel.rootPidNs.pidAllocated++;
    expect(checkPids(h.kernel)).toEqual(['level 0: pidAllocated 2, published 1']);
  });

  it('a check that throws becomes one message', () => {
    const h = bootHarness();
    h.kernel.pidNamespaces.add({ level: 9 } as unknown as PidNamespace);
    const bad = checkKernel(h.kernel);
    expect(bad.map((m) => m.slice(0, m.indexOf(':')))).toEqual(['pids check crashed', 'namespaces check crashed']);
  });
});

describe('leaks after the end, against a snapshot', () => {
  it('counts MmStructs from construction to release', () => {
    const before = liveSnapshot();
    const mm = new MmStruct(new FakeCpu());
    expect(MmStruct.live.has(mm)).toBe(true);
    const h = bootHarness();
    sys(h.init, 'exit_group', 0);
    h.kernel.releaseDeadMms();
    expect(checkAfterExit(h.kernel, before)).toEqual(['address space leaked: 0 area(s), 0 bytes']);
    mm.release();
    expect(MmStruct.live.has(mm)).toBe(false);
    expect(checkAfterExit(h.kernel, before)).toEqual([]);
  });

  it('reports files still open, except the console', () => {
    const h = bootHarness();
    const before = liveSnapshot();
    const files = new FilesStruct();
    const [r, w] = createPipe();
    files.install(r);
    files.install(w);
    files.install(new ConsoleFile(h.io, 1));
    sys(h.init, 'exit_group', 0);
    h.kernel.releaseDeadMms();
    expect(checkAfterExit(h.kernel, before)).toEqual([`file leaked: ${r.name}`, `file leaked: ${w.name}`]);
    files.closeAll();
    expect(liveFiles().has(r)).toBe(false);
    expect(checkAfterExit(h.kernel, before)).toEqual([]);
  });
});
