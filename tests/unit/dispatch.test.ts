/**
 * Syscall number decoding and dispatch (spec 1.2, test vectors 9.1 T02-T06): the low 32 bits of orig_rax as a
 * signed int; gaps, x32 numbers (X32 disabled), -1 and numbers past the table give -ENOSYS from one place.
 */
import { describe, it, expect, beforeEach } from 'vitest';
import { Errno } from '../../kernel/uapi/errno.js';
import { PT, newPtRegs } from '../../kernel/arch/x86/ptregs.js';
import { buildEntryFrame, dispatch, syscallNr } from '../../kernel/arch/x86/entry.js';
import type { SyscallDef } from '../../kernel/arch/x86/syscall_def.js';
import { boot, clone3SetTid, proc, type Harness } from '../helpers/clone_helpers.js';
import type { Task } from '../../kernel/sched/task.js';

/** The entry frame of `syscall` with rax = raw. */
function frame(raw: bigint) {
  const regs = newPtRegs();
  regs[PT.rax] = raw;
  regs[PT.rip] = 0x400000n;
  buildEntryFrame(regs);
  return regs;
}

let h: Harness;
/** T01's caller: TGID = TID = 1234. */
let caller: Task;
beforeEach(() => {
  h = boot();
  caller = proc(h.init, clone3SetTid(h.init, [1234]));
});

describe('9.1 dispatch', () => {
  it('T02 rax 0x0000000100000027 is treated as 39 (getpid) -> 1234', () => {
    const regs = frame(0x100000027n);
    expect(syscallNr(regs)).toBe(39);
    expect(dispatch(h.kernel.table, caller, regs)).toBe(1234);
  });

  // The spec's gap 336 is uprobe on 6.16+ kernels (6.18 here answers -ENXIO outside a uprobe trampoline): the
  // kernel wins for 336, and 400 stands in as the gap (native: syscall(400) = -38).
  it('T03 rax 336 -> -ENXIO on 6.18 (uprobe, not a gap as the spec says)', () => {
    expect(dispatch(h.kernel.table, caller, frame(336n))).toBe(-Errno.ENXIO);
  });

  it('T03 rax 400 (a real gap, 336..423 minus uprobe) -> -ENOSYS', () => {
    expect(h.kernel.table[400]).toBeUndefined();
    expect(dispatch(h.kernel.table, caller, frame(400n))).toBe(-Errno.ENOSYS);
  });

  it('T04 rax 0xffffffff (nr -1) -> -ENOSYS and no handler runs', () => {
    const regs = frame(0xffffffffn);
    expect(syscallNr(regs)).toBe(-1);
    let calls = 0;
    const spy: SyscallDef = { name: 'spy', fn: () => ++calls, support: 'full', args: [] };
    // Every slot a 32-bit number could reach through a bad index (0, the top of int, and all the table) is a spy.
    const table = new Proxy<(SyscallDef | undefined)[]>([], { get: (_t, k) => (k === 'length' ? 0 : spy) });
    expect(dispatch(table, caller, regs)).toBe(-Errno.ENOSYS);
    expect(calls).toBe(0);
    expect(regs[PT.rax]).toBe(BigInt.asUintN(64, BigInt(-Errno.ENOSYS)));
  });

  it('T05 rax 512 and rax 1000 -> -ENOSYS', () => {
    expect(dispatch(h.kernel.table, caller, frame(512n))).toBe(-Errno.ENOSYS);
    expect(dispatch(h.kernel.table, caller, frame(1000n))).toBe(-Errno.ENOSYS);
  });

  it('T06 rax 0x40000027 (x32 getpid, X32 disabled) -> -ENOSYS', () => {
    const regs = frame(0x40000027n);
    expect(syscallNr(regs)).toBe(0x40000027);
    expect(dispatch(h.kernel.table, caller, regs)).toBe(-Errno.ENOSYS);
  });
});
