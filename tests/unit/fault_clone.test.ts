/**
 * Per-task fail-nth through clone3 (spec 6.3, test vectors 9.7 T125-T127). sysemu counts only its user-copy
 * fault-injection points (copyFromUser, copyToUser, strncpyFromUser, copyStructFromUser's copy), not the slab and
 * page allocations a real kernel also counts, so the numbers are the spec's emulator numbers.
 */
import { describe, it, expect, beforeEach } from 'vitest';
import { Errno } from '../../kernel/uapi/errno.js';
import { BA, TIDS, boot, clone3, expectFail, i32s, poke, proc, type Harness } from '../helpers/clone_helpers.js';

const F = 5000;

let h: Harness;
beforeEach(() => {
  h = boot({ cur: 1000 });
});

describe('9.7 fail-nth with clone3', () => {
  it('T125 fail-nth 1: clone3(BA, 88) -> EFAULT (the clone_args copy); fail-nth reads 0', () => {
    h.init.failNth = 1;
    expectFail(h, h.init, () => clone3(h.init, BA), Errno.EFAULT);
    expect(h.init.failNth).toBe(0);
  });

  it("T126 fail-nth 2: clone3(BA, 88) succeeds (one copy only); fail-nth reads 1; the child's starts at 0", () => {
    h.init.failNth = 2;
    expect(clone3(h.init, BA)).toBe(1000);
    expect(h.init.failNth).toBe(1);
    expect(proc(h.init, 1000).failNth).toBe(0);
  });

  it('T127 fail-nth 2: clone3 with set_tid [F] -> EFAULT (the set_tid copy fails); fail-nth reads 0', () => {
    poke(h.init, TIDS, i32s([F]));
    h.init.failNth = 2;
    expectFail(h, h.init, () => clone3(h.init, { ...BA, set_tid: TIDS, set_tid_size: 1 }), Errno.EFAULT);
    expect(h.init.failNth).toBe(0);
  });

  it('T127 the same call without fault injection returns F (so the EFAULT above came from the injection)', () => {
    poke(h.init, TIDS, i32s([F]));
    expect(clone3(h.init, { ...BA, set_tid: TIDS, set_tid_size: 1 })).toBe(F);
  });
});
