/**
 * The process model on real guests: determinism of the syscall trace, nothing left behind after many processes
 * in nested pid namespaces, and the --pidns-tree report.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD, ROOT, guestBuilt, runGuest } from '../helpers/run_guest.js';
import { straceLine } from '../../kernel/trace/strace.js';
import { checkPidInvariants, pidNamespaceNumbers } from '../../kernel/pid.js';

function tracedRun(name: string): string[] {
  const lines: string[] = [];
  const run = runGuest(name, [], {
    clock: 'virtual',
    trace: (ev) => lines.push(straceLine(ev, { prefix: `[pid ${ev.task.kernel.tidOf(ev.task)}] ` })),
  });
  expect(run.exitCode).toBe(0);
  return lines;
}

describe('determinism', () => {
  it.runIf(guestBuilt('wait_status-glibc'))('the same guest twice gives the same syscall trace', () => {
    const a = tracedRun('wait_status-glibc');
    const b = tracedRun('wait_status-glibc');
    expect(a.length).toBeGreaterThan(50);
    expect(b).toEqual(a);
  });
});

describe('fork_many', () => {
  it.runIf(guestBuilt('fork_many-glibc'))('leaves no task and no pid but the exited init', () => {
    const run = runGuest('fork_many-glibc');
    expect(run.exitCode).toBe(0);
    const k = run.machine.kernel;
    expect([...k.tasks]).toEqual([k.init]);
    expect(pidNamespaceNumbers(k.rootPidNs).map((e) => e.nr)).toEqual([1]);
    expect(checkPidInvariants([k.rootPidNs])).toEqual([]);
    expect(k.history.list().length).toBe(400);
  });
});

describe('--pidns-tree', () => {
  it.runIf(guestBuilt('vfork_mem-glibc'))('prints every task with its pids per level, parent and status', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'sysemu.mjs'), 'run', '--pidns-tree', join(BUILD, 'vfork_mem-glibc')], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const tree = r.stderr.trim().split('\n');
    expect(tree[0]).toBe('1 vfork_mem-glibc NSpid: 1 [exited 0]');
    expect(tree.length).toBeGreaterThan(1);
    for (const line of tree.slice(1)) expect(line).toMatch(/^  \d+ vfork_mem-glibc NSpid: \d+ \[(exited \d+|killed by signal \d+)\]$/);
  });
});
