/**
 * Bad input never crashes the clone family: thousands of random clone3 and clone_with_pids argument structs
 * (property tests with fast-check) each get a valid errno or make a child, and nothing leaks: after every call the
 * child (if any) is killed and reaped, and the pid invariants hold with only init left.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Errno } from '../../kernel/uapi/errno.js';
import { checkPidInvariants } from '../../kernel/pid.js';
import { findProcessByVpid } from '../../kernel/sys_ids.js';
import { doGroupExit, releaseTask } from '../../kernel/exit.js';
import { bootHarness, poke, sys, SCRATCH, type Harness } from '../helpers/kernel_harness.js';
import type { Task } from '../../kernel/sched/task.js';

const ARGS = SCRATCH;
const PIDS = SCRATCH + 0x1000;
const CWP_NR = 600;

/** Errors a clone may return (clone(2), spec 3.4, 5.2). */
const ALLOWED = new Set([
  Errno.EINVAL, Errno.E2BIG, Errno.EFAULT, Errno.EPERM, Errno.EEXIST, Errno.EBUSY, Errno.EAGAIN, Errno.ENOMEM,
  Errno.ENOSPC, Errno.EMFILE, Errno.EBADF,
].map((e) => -e));

/** A field: mostly one of the values that matter for it, sometimes any 64-bit value. */
function field(...interesting: bigint[]) {
  return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...interesting) }, { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) });
}

const ptr = field(0n, BigInt(SCRATCH + 0x900), BigInt(SCRATCH + 0x904), BigInt(SCRATCH + 0x10000), 0x7ffffffff000n);
const NEWPID = 0x20000000n;
/** struct clone_args fields in order: flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup. */
const cloneArgsFields = fc.tuple(
  field(0n, NEWPID, 0x100000n, 0x1000n, 0x1000000n, 0x80000n, 0x4100n, NEWPID | 0x1100000n, 0x400000n, 0x10000n, 1n << 34n),
  ptr, ptr, ptr,
  field(0n, 17n, 64n, 65n, 0x100n),
  field(0n, BigInt(SCRATCH)), field(0n, 0x1000n, 0x2000n),
  field(0n, 0x1000n, 0x800000000000n),
  field(0n, BigInt(PIDS), BigInt(SCRATCH + 0x10000)), field(0n, 1n, 2n, 33n),
  field(0n),
);

/** Kills and reaps every task but init, so each property run starts from the same state. */
function reapAll(h: Harness): void {
  for (const t of [...h.kernel.tasks]) if (t !== h.init && !t.exited) doGroupExit(t, 9);
  for (const t of [...h.kernel.tasks]) if (t !== h.init) releaseTask(t);
  h.init.children.clear();
  h.kernel.releaseDeadMms();
}

/** Outcomes seen (errno or 'child'), so a test can show it reached both children and errors. */
type Outcomes = Map<string, number>;

function checkResult(h: Harness, r: unknown, seen: Outcomes): void {
  const key = typeof r === 'object' || Number(r) >= 0 ? 'child' : String(r);
  seen.set(key, (seen.get(key) ?? 0) + 1);
  if (typeof r === 'object') {
    expect((r as { kind: string }).kind).toBe('block'); // CLONE_VFORK: the parent waits for the child
  } else {
    const n = Number(r);
    if (n < 0) expect(ALLOWED.has(n), `unexpected errno ${n}`).toBe(true);
    else expect(findProcessByVpid(h.init, n) ?? [...h.kernel.tasks].find((t: Task) => t.pid.innerNr === n)).toBeTruthy();
  }
  reapAll(h);
  expect(checkPidInvariants(h.kernel.pidNamespaces)).toEqual([]);
  expect([...h.kernel.tasks]).toEqual([h.init]);
}

describe('random clone3 arguments', () => {
  it('each call returns a valid errno or a child, and leaves nothing behind', () => {
    const h = bootHarness();
    const seen: Outcomes = new Map();
    fc.assert(
      fc.property(cloneArgsFields, fc.array(fc.integer({ min: -2, max: 40000 }), { maxLength: 4 }), fc.constantFrom(0, 56, 64, 80, 88, 96, 4097), (fields, tids, size) => {
        h.init.blockedRetry = null;
        poke(h.init, ARGS, new Uint8Array(BigUint64Array.from(fields as bigint[]).buffer));
        poke(h.init, ARGS + 88, new Uint8Array(16));
        poke(h.init, PIDS, new Uint8Array(Int32Array.from(tids.length ? tids : [0]).buffer));
        checkResult(h, sys(h.init, 'clone3', ARGS, size), seen);
      }),
      { numRuns: 2000, seed: 42 },
    );
    expect(seen.get('child')).toBeGreaterThan(0);
    expect(seen.size).toBeGreaterThanOrEqual(4);
  });
});

describe('random clone_with_pids arguments', () => {
  it('each call returns a valid errno or a child, and leaves nothing behind', () => {
    const h = bootHarness({ cloneWithPidsNr: CWP_NR });
    // v11 struct clone_args: clone_flags_high, child_stack_base, child_stack_size, parent_tid_ptr, child_tid_ptr,
    // nr_pids + reserved0, reserved1.
    const cwpFields = fc.tuple(field(0n), field(0n, BigInt(SCRATCH)), field(0n, 0x1000n), ptr, ptr, field(0n), field(0n));
    const seen: Outcomes = new Map();
    fc.assert(
      fc.property(cwpFields, fc.array(fc.integer({ min: -5, max: 40000 }), { maxLength: 3 }), fc.constantFrom(48, 56, 56, 56, 64), field(17n, 0n, 0x20000011n, 0x100011n), (fields, pids, argsSize, flags) => {
        h.init.blockedRetry = null;
        const raw = new Uint8Array(BigUint64Array.from(fields as bigint[]).buffer);
        new DataView(raw.buffer).setUint32(40, pids.length, true);
        poke(h.init, ARGS, raw);
        poke(h.init, PIDS, new Uint8Array(Int32Array.from(pids.length ? pids : [0]).buffer));
        checkResult(h, sys(h.init, CWP_NR, flags, ARGS, argsSize, PIDS), seen);
      }),
      { numRuns: 2000, seed: 7 },
    );
    expect(seen.get('child')).toBeGreaterThan(0);
    expect(seen.size).toBeGreaterThanOrEqual(3);
  });
});
