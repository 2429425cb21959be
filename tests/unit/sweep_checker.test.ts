/**
 * The check on the checker: each switch of kernel/test_bugs.ts breaks one error path on purpose, and the fault
 * sweep (or the invariant checker) must report the leak it causes; with the switch off it must report nothing.
 * The sweeps here run a short syscall script on a kernel with fake CPUs (tests/helpers/kernel_harness.ts), so they
 * do not need the engine: boot, clone3 with set_tid / CLONE_PIDFD / CLONE_PARENT_SETTID, the child exits, the
 * parent reaps it with wait4, the parent exits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bootHarness, poke, sys, SCRATCH, u64s, i32s, type Harness } from '../helpers/kernel_harness.js';
import { sweepTarget, type SweepReport, type SweepTarget } from '../../emu/sweep.js';
import { formatReport } from '../../emu/sweep_command.js';
import { DeadlockError } from '../../emu/machine.js';
import { checkKernel, liveSnapshot } from '../../kernel/invariants.js';
import { resetTestBugs, testBugs } from '../../kernel/test_bugs.js';
import { setUsercopyObserver } from '../../kernel/uaccess.js';
import type { Kernel } from '../../kernel/kernel.js';
import type { Task } from '../../kernel/sched/task.js';
import { Errno } from '../../kernel/uapi/errno.js';
import { SIG } from '../../kernel/uapi/signal.js';
import { CLONE_NEWPID, CLONE_PARENT_SETTID, CLONE_PIDFD } from '../../kernel/uapi/sched.js';

const ARGS = SCRATCH;
const PIDFD = SCRATCH + 0x100;
const PARENT_TID = SCRATCH + 0x104;
const SET_TID = SCRATCH + 0x200;
const STATUS = SCRATCH + 0x300;
const RUSAGE = SCRATCH + 0x400;

/**
 * struct clone_args (88 bytes): flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
 * set_tid_size, cgroup.
 */
function cloneArgs(flags: bigint, setTid: number[]): Uint8Array {
  return u64s([flags, PIDFD, 0, PARENT_TID, SIG.SIGCHLD, 0, 0, 0, setTid.length ? SET_TID : 0, setTid.length, 0]);
}

function taskWithTid(k: Kernel, tid: number): Task {
  const t = [...k.tasks].find((x) => x.pid?.nrAt(0) === tid);
  if (!t) throw new Error(`no task ${tid}`);
  return t;
}

/** The script: clone3 (pidfd, parent_tid, set_tid [500]); the child exits 3; wait4 reaps it; the parent exits. */
function cloneScript({ kernel, init }: Harness): void {
  poke(init, ARGS, cloneArgs(CLONE_PIDFD | CLONE_PARENT_SETTID, [500]));
  poke(init, SET_TID, i32s([500]));
  const child = Number(sys(init, 'clone3', ARGS, 88));
  if (child > 0) sys(taskWithTid(kernel, child), 'exit_group', 3);
  sys(init, 'wait4', -1, STATUS, 0, RUSAGE);
  sys(init, 'exit_group', 0);
}

/** A SweepTarget running `script` on a fresh harness kernel per run. */
function harnessTarget(script: (h: Harness) => void): SweepTarget {
  return {
    argv: ['harness'],
    run(faultAttr, trace) {
      const h = bootHarness({ faultAttr, trace });
      try {
        script(h);
        return { kernel: h.kernel, error: null };
      } catch (e) {
        return { kernel: h.kernel, error: e };
      } finally {
        h.kernel.releaseDeadMms();
      }
    },
  };
}

function failedSites(r: SweepReport): string[] {
  return r.rows.filter((row) => row.verdict !== 'ok').map((row) => row.site);
}

afterEach(() => {
  resetTestBugs();
  setUsercopyObserver(null);
});

describe('the sweep of the clone script, no bug switched on', () => {
  it('lists each copy with its syscall and length, and every rerun passes', () => {
    const r = sweepTarget(harnessTarget(cloneScript), { getPut: true });
    expect(r.copies.map((c) => [c.nth, c.syscall, c.site, c.kind, c.len, c.tid])).toEqual([
      [1, 'clone3', 'clone3:clone_args', 'from', 88, 1],
      [2, 'clone3', 'clone3:set_tid', 'from', 4, 1],
      [3, 'clone3', 'clone:pidfd', 'put', 4, 1],
      [4, 'clone3', 'clone:parent_tid', 'put', 4, 1],
      [5, 'wait4', 'wait4:status', 'put', 4, 1],
      [6, 'wait4', 'wait4:rusage', 'to', 144, 1],
    ]);
    expect(r.baseline).toEqual({ exitStatus: 0, messages: [] });
    expect(r.rows.map((row) => [row.site, row.result, row.verdict, row.messages])).toEqual([
      ['clone3:clone_args', -Errno.EFAULT, 'ok', []],
      ['clone3:set_tid', -Errno.EFAULT, 'ok', []],
      ['clone:pidfd', -Errno.EFAULT, 'ok', []],
      ['clone:parent_tid', 500, 'ok', []], // Linux ignores the CLONE_PARENT_SETTID write's fault
      ['wait4:status', -Errno.EFAULT, 'ok', []],
      ['wait4:rusage', -Errno.EFAULT, 'ok', []],
    ]);
    expect(r.ok).toBe(true);
  });

  it('partial offsets rerun the from/to copies only, each offset below the copy length', () => {
    const r = sweepTarget(harnessTarget(cloneScript), { getPut: true, offsets: [1, 4, 100] });
    expect(r.rows.map((row) => `${row.site}@${row.offset}`)).toEqual([
      'clone3:clone_args@0', 'clone3:clone_args@1', 'clone3:clone_args@4',
      'clone3:set_tid@0', 'clone3:set_tid@1',
      'clone:pidfd@0', 'clone:parent_tid@0', 'wait4:status@0',
      'wait4:rusage@0', 'wait4:rusage@1', 'wait4:rusage@4', 'wait4:rusage@100',
    ]);
    expect(r.ok).toBe(true);
  });

  it('--site and --max select reruns; without getPut the put_user sites are not listed', () => {
    const r = sweepTarget(harnessTarget(cloneScript), { site: 'clone3:*' });
    expect(r.sites).toEqual(['clone3:clone_args', 'clone3:set_tid', 'wait4:rusage']);
    expect(r.rows.map((row) => row.site)).toEqual(['clone3:clone_args', 'clone3:set_tid']);
    const capped = sweepTarget(harnessTarget(cloneScript), { offsets: [1], max: 3 });
    expect(capped.rows.map((row) => `${row.site}@${row.offset}`)).toEqual([
      'clone3:clone_args@0', 'clone3:set_tid@0', 'wait4:rusage@0',
    ]);
  });
});

describe('deliberate bugs are reported (kernel/test_bugs.ts)', () => {
  it('keepPidfdOnFault: the sweep reports the pid left allocated when the pidfd write faults', () => {
    testBugs.keepPidfdOnFault = true;
    const r = sweepTarget(harnessTarget(cloneScript), { getPut: true });
    expect(failedSites(r)).toEqual(['clone:pidfd']);
    const row = r.rows.find((x) => x.site === 'clone:pidfd')!;
    expect(row.result).toBe(-Errno.EFAULT);
    expect(row.messages).toEqual(['level 0 nr 500: pid has no user task']);
    expect(r.ok).toBe(false);
  });

  it('halfMadeTaskOnPidfdFault: the sweep reports the task left without pid', () => {
    testBugs.halfMadeTaskOnPidfdFault = true;
    const r = sweepTarget(harnessTarget(cloneScript), { getPut: true });
    expect(failedSites(r)).toEqual(['clone:pidfd']);
    const messages = r.rows.find((x) => x.site === 'clone:pidfd')!.messages.join('\n');
    expect(messages).toContain('task without pid (?): half made, no pid, group, pidNsForChildren');
  });

  it('skipAllocPidRollback: the checker reports the number reserved by a failed set_tid allocation', () => {
    // clone3(CLONE_NEWPID, set_tid [1, 1]): 1 is reserved in the new namespace, then 1 in the root is taken
    // (the init): EEXIST, and the rollback must free the inner 1 (spec 9.5, T97's order).
    const check = (): string[] => {
      const h = bootHarness();
      const before = liveSnapshot();
      poke(h.init, ARGS, cloneArgs(CLONE_NEWPID, [1, 1]));
      poke(h.init, SET_TID, i32s([1, 1]));
      expect(sys(h.init, 'clone3', ARGS, 88)).toBe(-Errno.EEXIST);
      sys(h.init, 'exit_group', 0);
      h.kernel.releaseDeadMms();
      return checkKernel(h.kernel, { afterExit: before });
    };
    expect(check()).toEqual([]);
    testBugs.skipAllocPidRollback = true;
    expect(check()).toEqual(['level 1 nr 1: reserved, never published or freed']);
  });
});

describe('exceptions and the report table', () => {
  it('an exception in a rerun fails that row with the exception\'s message', () => {
    const r = sweepTarget(harnessTarget((h) => {
      cloneScript(h);
      if (h.kernel.faultAttr!.failures > 0) throw new Error('boom');
    }));
    expect(r.rows.map((row) => [row.verdict, row.messages[0]!.split(' (at ')[0]])).toEqual([
      ['fail', 'emulator exception: boom'],
      ['fail', 'emulator exception: boom'],
      ['fail', 'emulator exception: boom'],
    ]);
  });

  it('a guest left blocked forever after a fault is a hang, not a failure, when every other check holds', () => {
    const r = sweepTarget(harnessTarget((h) => {
      if (h.kernel.faultAttr!.nth === 0) return cloneScript(h);
      // As a guest whose pipe write faulted and then reads that pipe: its task sleeps forever.
      cloneScript(h);
      throw new DeadlockError('1 task(s) blocked forever with nothing runnable');
    }), { site: 'clone3:clone_args' });
    expect(r.rows.map((row) => [row.verdict, row.result, row.messages])).toEqual([
      ['hang', -Errno.EFAULT, ['deadlock: 1 task(s) blocked forever with nothing runnable']],
    ]);
    expect([r.failures, r.ok]).toEqual([0, true]);
  });

  it('prints one line per rerun, the messages under a failing row, and a summary', () => {
    testBugs.keepPidfdOnFault = true;
    const r = sweepTarget(harnessTarget(cloneScript), { getPut: true, site: 'clone:*' });
    const text = formatReport(r).replace(/in \d+\.\d+ s \(\d+\.\d\/s\)/, 'in T s');
    expect(text).toBe([
      'SITE              OCC  SYSCALL  RESULT      STATUS  VERDICT',
      'clone:pidfd       1    clone3   -14 EFAULT  0       fail',
      '    level 0 nr 500: pid has no user task',
      'clone:parent_tid  1    clone3   500         0       ok',
      '6 user copies at 6 sites (clone3:clone_args, clone3:set_tid, clone:pidfd, clone:parent_tid, wait4:status, ' +
        'wait4:rusage); 2 reruns in T s; 1 failed',
    ].join('\n') + '\n');
  });
});
