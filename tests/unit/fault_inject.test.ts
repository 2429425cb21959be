import { describe, it, expect, afterEach } from 'vitest';
import { fakeCpuOf, makeTestTask, testKernelOf } from '../helpers/fake_cpu.js';
import { FaultAttr, globToRegExp, parseFailUsercopy, shouldFailUsercopy } from '../../kernel/fault_inject.js';
import {
  checkZeroedUser, copyFromUser, copyStructFromUser, copyToUser, getUser32, putUser32, setUsercopyObserver,
  strncpyFromUser,
} from '../../kernel/uaccess.js';
import type { Task } from '../../kernel/sched/task.js';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../../kernel/uapi/mman.js';
import { Errno } from '../../kernel/uapi/errno.js';

const BUF = 0x20000000;

function setup(attr: FaultAttr | null = null, tid?: number): Task {
  const task = makeTestTask({ faultAttr: attr, tid });
  task.mm.mmap(BUF, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
  fakeCpuOf(task).write(BUF, Uint8Array.from({ length: 64 }, (_, i) => i + 1));
  return task;
}

/** One copy_from_user of 16 bytes: true when it failed. */
function copyFails(task: Task, site = 'test:copy'): boolean {
  return copyFromUser(task, new Uint8Array(16), BUF, site) !== 0;
}

/** The clone_args copy of clone3(BA, 88) (its only user copy without set_tid or pidfd). */
function cloneArgsCopy(task: Task): number {
  return copyStructFromUser(task, new Uint8Array(88), BUF, 88, 'clone3:clone_args');
}

afterEach(() => {
  setUsercopyObserver(null);
});

describe('fail_usercopy knobs (spec 6.3, 9.7)', () => {
  it('T128: probability 100, interval 1, times 2 -> EFAULT, EFAULT, success; times reads 0', () => {
    const attr = new FaultAttr({ probability: 100, interval: 1, times: 2 });
    const task = setup(attr);
    expect([cloneArgsCopy(task), cloneArgsCopy(task), cloneArgsCopy(task)]).toEqual([-Errno.EFAULT, -Errno.EFAULT, 0]);
    expect(attr.times).toBe(0);
    expect(attr.failures).toBe(2);
  });

  it('T129: probability 100, interval 3, times -1 -> calls 3 and 6 fail', () => {
    const attr = new FaultAttr({ probability: 100, interval: 3, times: -1 });
    const task = setup(attr);
    expect(Array.from({ length: 6 }, () => copyFails(task))).toEqual([false, false, true, false, false, true]);
    expect(attr.times).toBe(-1);
  });

  it('T130: task-filter with make-it-fail 0 -> success; with make-it-fail 1 -> EFAULT', () => {
    const attr = new FaultAttr({ probability: 100, taskFilter: true, times: -1 });
    const task = setup(attr);
    expect(cloneArgsCopy(task)).toBe(0);
    task.makeItFail = true;
    expect(cloneArgsCopy(task)).toBe(-Errno.EFAULT);
  });

  it('T131: space 3 -> two pass, the third fails; space 2 -> only the first passes', () => {
    const a3 = new FaultAttr({ probability: 100, space: 3, times: -1 });
    const t3 = setup(a3);
    expect([copyFails(t3), copyFails(t3), copyFails(t3)]).toEqual([false, false, true]);
    expect(a3.space).toBe(1);
    const t2 = setup(new FaultAttr({ probability: 100, space: 2, times: -1 }));
    expect([copyFails(t2), copyFails(t2)]).toEqual([false, true]);
  });

  it('probability 0 disables the generic path; times 0 stops it', () => {
    expect(copyFails(setup(new FaultAttr({ probability: 0, times: -1 })))).toBe(false);
    expect(copyFails(setup(new FaultAttr({ probability: 100, times: 0 })))).toBe(false);
  });
});

describe('fail-nth (per task)', () => {
  it('T125-style: fail-nth 1 fails the first copy and reads 0 afterwards', () => {
    const task = setup();
    task.failNth = 1;
    expect(cloneArgsCopy(task)).toBe(-Errno.EFAULT);
    expect(task.failNth).toBe(0);
    expect(cloneArgsCopy(task)).toBe(0);
  });

  it('T126/T127-style: fail-nth 2 lets the clone_args copy pass and fails the set_tid copy', () => {
    const task = setup();
    task.failNth = 2;
    expect(cloneArgsCopy(task)).toBe(0);
    expect(task.failNth).toBe(1);
    expect(copyFromUser(task, new Uint8Array(4), BUF, 'clone3:set_tid')).toBe(4);
    expect(task.failNth).toBe(0);
  });

  it('counts only injection points: the tail check and get/put (default) do not count', () => {
    const task = setup();
    task.failNth = 1;
    expect(checkZeroedUser(task, BUF, 16)).toBe(0);
    expect(getUser32(task, BUF, 'test:get')).toEqual({ err: 0, value: 0x04030201 });
    expect(putUser32(task, BUF, 5, 'test:put')).toBe(0);
    expect(task.failNth).toBe(1);
    fakeCpuOf(task).write(BUF + 88, new Uint8Array([1]));
    expect(copyStructFromUser(task, new Uint8Array(88), BUF, 96, 'clone3:clone_args')).toBe(-Errno.E2BIG);
    expect(task.failNth).toBe(1);
  });

  it('ignores the sysemu filters and uses up one of times, as Linux (goto fail)', () => {
    const attr = new FaultAttr({ site: 'other:*', times: 1 });
    const task = setup(attr);
    task.failNth = 1;
    expect(copyFails(task, 'test:copy')).toBe(true);
    expect(attr.times).toBe(0);
  });

  it('get/put become points with failGetPutUser, and then fail whole', () => {
    const task = setup(new FaultAttr({ failGetPutUser: true }));
    task.failNth = 2;
    expect(getUser32(task, BUF, 'test:get').err).toBe(0);
    expect(putUser32(task, BUF, 0xffffffff, 'test:put')).toBe(-Errno.EFAULT);
    expect(getUser32(task, BUF, 'test:get').value).toBe(0x04030201);
  });
});

describe('sysemu filters, nth and offset', () => {
  it('site glob: only matching sites are eligible, the others count for nothing', () => {
    const attr = new FaultAttr({ site: 'clone3:*', nth: 2 });
    const task = setup(attr);
    const sites = ['write:buf', 'clone3:clone_args', 'read:buf', 'clone3:set_tid', 'clone3:set_tid'];
    expect(sites.map((s) => copyFails(task, s))).toEqual([false, false, false, true, false]);
    expect(attr.nth).toBe(0);
  });

  it('glob syntax: * ? and | alternatives, anchored', () => {
    const re = globToRegExp('clone3:*|wait?:status');
    expect(['clone3:set_tid', 'wait4:status', 'xclone3:a', 'wait42:status'].map((s) => re.test(s)))
      .toEqual([true, true, false, false]);
  });

  it('syscall filter (site prefix when the task names no syscall) and task filter by global tid', () => {
    const bySyscall = setup(new FaultAttr({ syscall: 'clone3', probability: 100, times: -1 }));
    expect([copyFails(bySyscall, 'write:buf'), copyFails(bySyscall, 'clone3:set_tid')]).toEqual([false, true]);
    const attr = new FaultAttr({ taskId: 7, probability: 100, times: -1 });
    expect(copyFails(setup(attr, 8))).toBe(false);
    expect(copyFails(setup(attr, 7))).toBe(true);
  });

  it('offset k: copy k bytes, then behave like a fault', () => {
    const task = setup(new FaultAttr({ nth: 1, offset: 5 }));
    const dst = new Uint8Array(16).fill(0xee);
    expect(copyFromUser(task, dst, BUF, 'test:copy')).toBe(11);
    expect([...dst]).toEqual([1, 2, 3, 4, 5, ...new Array(11).fill(0)]);
    testKernelOf(task).faultAttr = new FaultAttr({ nth: 1, offset: 5 });
    expect(copyToUser(task, BUF + 0x100, new Uint8Array(16).fill(9), 'test:to')).toBe(11);
    const back = new Uint8Array(6);
    fakeCpuOf(task).read(BUF + 0x100, back);
    expect([...back]).toEqual([9, 9, 9, 9, 9, 0]);
  });

  it('offset with strncpyFromUser: a NUL before the offset succeeds, after it is EFAULT', () => {
    const task = setup(new FaultAttr({ probability: 100, times: -1, offset: 4 }));
    fakeCpuOf(task).write(BUF, Uint8Array.from([0x61, 0x62, 0, 0x63, 0x64, 0x65, 0x66, 0]));
    expect(strncpyFromUser(task, BUF, 64, 'test:str').ret).toBe(2);
    expect(strncpyFromUser(task, BUF + 3, 64, 'test:str').ret).toBe(-Errno.EFAULT);
  });

  it('the observer k-th event is the copy that nth = k fails', () => {
    const run = (nth: number): boolean[] => {
      const task = setup(new FaultAttr({ nth }));
      const injected: boolean[] = [];
      setUsercopyObserver({ onCopy: (_t, _s, _k, _l, inj) => injected.push(inj) });
      copyFromUser(task, new Uint8Array(4), BUF, 'a:1');
      copyToUser(task, BUF, new Uint8Array(4), 'a:2');
      strncpyFromUser(task, BUF, 8, 'a:3');
      return injected;
    };
    expect(run(0)).toEqual([false, false, false]);
    expect(run(2)).toEqual([false, true, false]);
    expect(run(3)).toEqual([false, false, true]);
  });

  it('verbose lines go to the log sink', () => {
    const lines: string[] = [];
    const task = setup(new FaultAttr({ probability: 100, times: 2, verbose: 2, log: (l) => lines.push(l) }));
    copyFails(task, 'clone3:clone_args');
    expect(lines).toEqual([
      'FAULT_INJECTION: forcing a failure. name fail_usercopy, interval 1, probability 100, space 0, times 2',
      '  site clone3:clone_args, len 16, tid ?, offset 0',
    ]);
  });
});

describe('determinism', () => {
  const decisions = (attr: FaultAttr): boolean[] => {
    const task = setup(attr);
    return Array.from({ length: 200 }, () => copyFails(task));
  };

  it('the same seed gives the same decisions; reseed repeats them', () => {
    const a = new FaultAttr({ probability: 30, times: -1, seed: 7 });
    const first = decisions(a);
    expect(decisions(new FaultAttr({ probability: 30, times: -1, seed: 7 }))).toEqual(first);
    a.reseed(7);
    expect(decisions(a)).toEqual(first);
    const failed = first.filter(Boolean).length;
    expect(failed).toBeGreaterThan(30);
    expect(failed).toBeLessThan(90);
    expect(decisions(new FaultAttr({ probability: 30, times: -1, seed: 8 }))).not.toEqual(first);
  });

  it('costs nothing without an attr: no decision, no state', () => {
    const task = setup();
    expect(shouldFailUsercopy(task, 'x:y', 8)).toBe(false);
    expect(task.failNth).toBe(0);
  });
});

describe('parseFailUsercopy', () => {
  it('parses the key=value form', () => {
    const a = parseFailUsercopy('nth=3,site=clone3:*,probability=5,seed=7,task-filter=Y,times=-1,offset=2');
    expect([a.nth, a.site, a.probability, a.taskFilter, a.times, a.offset, a.verbose]).toEqual([3, 'clone3:*', 5, true, -1, 2, 0]);
    expect(parseFailUsercopy('getput=y,syscall=wait4,task=12,interval=0x10')).toMatchObject({
      failGetPutUser: true, syscall: 'wait4', taskId: 12, interval: 16,
    });
  });

  it('parses the boot-parameter form interval,probability,space,times', () => {
    expect(parseFailUsercopy('3,100,0,-1')).toMatchObject({ interval: 3, probability: 100, space: 0, times: -1 });
  });

  it('reports bad keys and values clearly', () => {
    expect(() => parseFailUsercopy('nht=3')).toThrow(/unknown key "nht" \(known: nth, probability/);
    expect(() => parseFailUsercopy('probability=101')).toThrow('fail-usercopy: probability must be 0..100');
    expect(() => parseFailUsercopy('nth=x')).toThrow('fail-usercopy: nth=x is not an integer');
    expect(() => parseFailUsercopy('nth=1,nth=2')).toThrow('fail-usercopy: key "nth" given twice');
    expect(() => parseFailUsercopy('nth')).toThrow('fail-usercopy: "nth" is not key=value');
    expect(() => parseFailUsercopy('task-filter=maybe')).toThrow('fail-usercopy: task-filter=maybe must be Y or N');
    expect(() => parseFailUsercopy('interval=0')).toThrow('fail-usercopy: interval must be >= 1');
    expect(() => parseFailUsercopy('site=')).toThrow('fail-usercopy: site is empty');
  });
});
