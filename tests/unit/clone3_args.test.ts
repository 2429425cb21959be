/**
 * clone3 argument parsing through the real syscall (spec 3.3-3.4, test vectors 9.2 T08-T53): R, privileged caller
 * (the harness init, pid 1), cur(R) = 1000. Every failing case also checks that nothing leaked.
 */
import { describe, it, expect, beforeEach } from 'vitest';
import { Errno } from '../../kernel/uapi/errno.js';
import { PT, PT_NREGS } from '../../kernel/arch/x86/ptregs.js';
import {
  CLONE_CLEAR_SIGHAND, CLONE_DETACHED, CLONE_INTO_CGROUP, CLONE_NEWTIME, CLONE_PARENT, CLONE_PARENT_SETTID,
  CLONE_PIDFD, CLONE_SETTLS, CLONE_SIGHAND, CLONE_THREAD, CLONE_VM,
} from '../../kernel/uapi/sched.js';
import { PidfdFile } from '../../kernel/fs/pidfd.js';
import {
  ARGS, BA, OUT, OUT2, SIGCHLD, TIDS, UNMAPPED, boot, clone3, clone3n, cloneArgs, distinctRegs, expectFail,
  forkChild, i32s, peek32, poke, proc, sys, sysFrame, sysn, thread, type CloneArgsInit, type Harness,
} from '../helpers/clone_helpers.js';

let h: Harness;
beforeEach(() => {
  h = boot({ cur: 1000 });
});

/** clone3 with these fields (size bytes at `at`) must fail with errno and leave nothing behind. */
function fails(f: CloneArgsInit, errno: number, size = 88, at = ARGS): void {
  expectFail(h, h.init, () => clone3(h.init, f, size, at), errno);
}

/** A successful clone3 returning the next automatic number (1000). */
function succeeds(f: CloneArgsInit, size = 88): void {
  expect(clone3(h.init, f, size)).toBe(1000);
  expect(h.kernel.tasks.size).toBe(2);
}

describe('9.2 struct size and copy (spec 3.3, 3.4 steps 1-3)', () => {
  it('T08 clone3(BA, 88) returns 1000; the child has rax 0 and getpid 1000', () => {
    poke(h.init, ARGS, cloneArgs(BA));
    const { result } = sysFrame(h.init, 'clone3', [ARGS, 88], distinctRegs());
    expect(result).toBe(1000);
    const child = proc(h.init, 1000);
    expect(child.resumeRegs![PT.rax]).toBe(0n);
    expect(sysn(child, 'getpid')).toBe(1000);
  });

  it('T09 size 64 (VER0) succeeds: set_tid, set_tid_size and cgroup read as 0', () => {
    // Non-zero bytes at 64..87 must not be read: as set_tid they would give EINVAL/EFAULT.
    poke(h.init, ARGS + 64, new Uint8Array(24).fill(0xff));
    poke(h.init, ARGS, cloneArgs(BA).subarray(0, 64));
    expect(sys(h.init, 'clone3', ARGS, 64)).toBe(1000);
  });

  it('T10 size 56 -> EINVAL', () => fails(BA, Errno.EINVAL, 56));
  it('T11 size 0 -> EINVAL', () => fails(BA, Errno.EINVAL, 0));

  it('T12 size 96 with bytes 88..95 zero -> success', () => succeeds(BA, 96));

  it('T13 size 96 with byte 95 = 1 -> E2BIG', () => {
    poke(h.init, ARGS, cloneArgs(BA));
    poke(h.init, ARGS + 95, [1]);
    expectFail(h, h.init, () => sys(h.init, 'clone3', ARGS, 96), Errno.E2BIG);
  });

  it('T14 size 96, bytes 88..95 zero, byte 96 = 1 (not examined) -> success', () => {
    poke(h.init, ARGS, cloneArgs(BA));
    poke(h.init, ARGS + 96, [1]);
    expect(sys(h.init, 'clone3', ARGS, 96)).toBe(1000);
  });

  it('T15 same memory as T14, size 104 -> E2BIG', () => {
    poke(h.init, ARGS, cloneArgs(BA));
    poke(h.init, ARGS + 96, [1]);
    expectFail(h, h.init, () => sys(h.init, 'clone3', ARGS, 104), Errno.E2BIG);
  });

  it('T16 size 4097 -> E2BIG before uargs is read (uargs unmapped)', () => {
    expectFail(h, h.init, () => sys(h.init, 'clone3', UNMAPPED, 4097), Errno.E2BIG);
  });

  it('T17 a 4096-byte buffer with a zero tail, size 4096 -> success', () => {
    const page = ARGS + 0x1000;
    poke(h.init, page, new Uint8Array(4096));
    poke(h.init, page, cloneArgs(BA));
    expect(sys(h.init, 'clone3', page, 4096)).toBe(1000);
  });

  it('T18 uargs = 0, size 88 -> EFAULT', () => {
    expectFail(h, h.init, () => sys(h.init, 'clone3', 0, 88), Errno.EFAULT);
  });

  it('T19 uargs = P - 40 with page P unmapped -> EFAULT, no child', () => {
    poke(h.init, UNMAPPED - 40, cloneArgs(BA).subarray(0, 40));
    expectFail(h, h.init, () => sys(h.init, 'clone3', UNMAPPED - 40, 88), Errno.EFAULT);
  });

  it('T20 uargs = P - 88 with page P unmapped, size 96 -> EFAULT (the tail check faults)', () => {
    fails(BA, Errno.EFAULT, 96, UNMAPPED - 88);
  });
});

describe('9.2 exit_signal (spec 3.4 step 7)', () => {
  it('T21 exit_signal 0xbadc0ded00000000 -> EINVAL', () => fails({ exit_signal: 0xbadc0ded00000000n }, Errno.EINVAL));
  it('T22 exit_signal 0x80000000 -> EINVAL', () => fails({ exit_signal: 0x80000000 }, Errno.EINVAL));
  it('T23 exit_signal 0x100 -> EINVAL', () => fails({ exit_signal: 0x100 }, Errno.EINVAL));
  it('T24 exit_signal 0xf0 -> EINVAL', () => fails({ exit_signal: 0xf0 }, Errno.EINVAL));

  it('T25 exit_signal 64 -> success, the child keeps 64', () => {
    succeeds({ exit_signal: 64 });
    expect(proc(h.init, 1000).exitSignal).toBe(64);
  });

  it('T26 exit_signal 0xffffffffffffffff -> EINVAL (not ENOSYS: clone3 exists)', () => {
    fails({ exit_signal: 0xffffffffffffffffn }, Errno.EINVAL);
  });
});

describe('9.2 flags (spec 3.4 steps 10-13)', () => {
  it('T27 flags = SIGCHLD (0x11) -> EINVAL', () => fails({ flags: 0x11, exit_signal: SIGCHLD }, Errno.EINVAL));
  it('T28 flags = CLONE_DETACHED -> EINVAL', () => fails({ flags: CLONE_DETACHED, exit_signal: SIGCHLD }, Errno.EINVAL));
  it('T29 flags = 1<<34 -> EINVAL', () => fails({ flags: 1n << 34n, exit_signal: SIGCHLD }, Errno.EINVAL));

  it('T30 flags = CLONE_NEWTIME -> success (6.18 accepts it in clone3)', () => {
    succeeds({ flags: CLONE_NEWTIME, exit_signal: SIGCHLD });
  });

  it('T31 flags = CLONE_SIGHAND | CLONE_CLEAR_SIGHAND -> EINVAL', () => {
    fails({ flags: CLONE_SIGHAND | CLONE_CLEAR_SIGHAND, exit_signal: SIGCHLD }, Errno.EINVAL);
  });

  it.skip('T32 CLONE_CLEAR_SIGHAND resets handlers: needs signal handlers, which sysemu does not run', () => {});

  it('T33 THREAD|SIGHAND|VM with exit_signal 17 -> EINVAL', () => {
    fails({ flags: CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, exit_signal: SIGCHLD }, Errno.EINVAL);
  });

  it('T34 THREAD|SIGHAND|VM, exit_signal 0, own stack -> new TID 1000 in the caller\'s thread group', () => {
    const flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
    expect(clone3(h.init, { flags, stack: 0x500000, stack_size: 0x2000 })).toBe(1000);
    const t = thread(h.init, 1000);
    expect(sysn(t, 'gettid')).toBe(1000);
    expect(sysn(t, 'getpid')).toBe(sysn(h.init, 'getpid'));
    expect(t.exitSignal).toBe(-1);
  });

  it('T35 CLONE_PARENT with exit_signal 17 -> EINVAL', () => {
    const c = forkChild(h.init);
    expectFail(h, c, () => clone3(c, { flags: CLONE_PARENT, exit_signal: SIGCHLD }), Errno.EINVAL);
  });

  it("T35 CLONE_PARENT with exit_signal 0 -> success; the child's parent is the caller's parent", () => {
    const c = forkChild(h.init);
    const nr = clone3n(c, { flags: CLONE_PARENT });
    expect(nr).toBe(1001);
    const g = proc(h.init, 1001);
    expect(g.parent).toBe(h.init);
    expect(sysn(g, 'getppid')).toBe(1);
    expect(g.exitSignal).toBe(SIGCHLD); // the caller's leader's exit_signal (spec 3.5)
  });
});

describe('9.2 stack (spec 3.4 step 14, 1.7)', () => {
  it('T36 stack 0, stack_size 4096 -> EINVAL', () => fails({ ...BA, stack_size: 4096 }, Errno.EINVAL));
  it('T37 stack 0x10000, stack_size 0 -> EINVAL', () => fails({ ...BA, stack: 0x10000 }, Errno.EINVAL));

  it('T38 stack 0x7fffffffe000, size 0x1000 -> success, child rsp 0x7ffffffff000', () => {
    succeeds({ ...BA, stack: 0x7fffffffe000, stack_size: 0x1000 });
    expect(proc(h.init, 1000).resumeRegs![PT.rsp]).toBe(0x7ffffffff000n);
  });

  it('T39 stack 0x7fffffffe000, size 0x1001 -> EINVAL', () => {
    fails({ ...BA, stack: 0x7fffffffe000, stack_size: 0x1001 }, Errno.EINVAL);
  });

  it('T40 stack 0xffff800000000000, size 0x1000 -> EINVAL', () => {
    fails({ ...BA, stack: 0xffff800000000000n, stack_size: 0x1000 }, Errno.EINVAL);
  });

  it("T41 stack 0x500000, size 0x2000: child rsp 0x502000, rax 0, every other register the parent's", () => {
    poke(h.init, ARGS, cloneArgs({ ...BA, stack: 0x500000, stack_size: 0x2000 }));
    const { result, frame } = sysFrame(h.init, 'clone3', [ARGS, 88], distinctRegs());
    expect(result).toBe(1000);
    const regs = proc(h.init, 1000).resumeRegs!;
    expect(regs[PT.rsp]).toBe(0x502000n);
    expect(regs[PT.rax]).toBe(0n);
    expect([regs[PT.rip], regs[PT.rcx], regs[PT.r11]]).toEqual([0x400002n, 0x400002n, 0x246n]);
    for (let i = 0; i < PT_NREGS; i++) if (i !== PT.rsp && i !== PT.rax) expect([i, regs[i]]).toEqual([i, frame[i]]);
  });
});

describe('9.2 set_tid and cgroup parsing (spec 3.4 steps 4-9)', () => {
  it('T42 set_tid valid, set_tid_size 33 -> EINVAL', () => fails({ ...BA, set_tid: TIDS, set_tid_size: 33 }, Errno.EINVAL));
  it('T43 set_tid 0, set_tid_size 1 -> EINVAL', () => fails({ ...BA, set_tid_size: 1 }, Errno.EINVAL));
  it('T44 set_tid valid, set_tid_size 0 -> EINVAL', () => fails({ ...BA, set_tid: TIDS }, Errno.EINVAL));

  it('T45 set_tid unmapped, size 1, flags 1<<40 -> EFAULT (the copy precedes flag validation)', () => {
    fails({ flags: 1n << 40n, exit_signal: SIGCHLD, set_tid: UNMAPPED, set_tid_size: 1 }, Errno.EFAULT);
  });

  it('T46 size 72 with set_tid != 0 -> EINVAL (set_tid_size read as 0)', () => {
    poke(h.init, ARGS + 72, new Uint8Array(16).fill(0xff)); // set_tid_size and cgroup past the user size
    poke(h.init, ARGS, cloneArgs({ ...BA, set_tid: TIDS }).subarray(0, 72));
    expectFail(h, h.init, () => sys(h.init, 'clone3', ARGS, 72), Errno.EINVAL);
  });

  it('T47 CLONE_INTO_CGROUP with size 80 -> EINVAL', () => fails({ ...BA, flags: CLONE_INTO_CGROUP }, Errno.EINVAL, 80));

  it('T48 CLONE_INTO_CGROUP, size 88, cgroup 0x80000000 -> EINVAL', () => {
    fails({ ...BA, flags: CLONE_INTO_CGROUP, cgroup: 0x80000000 }, Errno.EINVAL);
  });
});

describe('9.2 pidfd and tls (spec 3.4 steps 15, 27, 29, 34)', () => {
  it('T49 PIDFD|PARENT_SETTID with pidfd == parent_tid -> EINVAL', () => {
    fails({ ...BA, flags: CLONE_PIDFD | CLONE_PARENT_SETTID, pidfd: OUT, parent_tid: OUT }, Errno.EINVAL);
  });

  it('T50 PIDFD|PARENT_SETTID at X != Y -> success; *X = the new fd (3), *Y = 1000', () => {
    poke(h.init, OUT, i32s([-1]));
    poke(h.init, OUT2, i32s([-1]));
    succeeds({ ...BA, flags: CLONE_PIDFD | CLONE_PARENT_SETTID, pidfd: OUT, parent_tid: OUT2 });
    expect(peek32(h.init, OUT)).toBe(3);
    expect(peek32(h.init, OUT2)).toBe(1000);
    const f = h.init.files.get(3);
    expect(f).toBeInstanceOf(PidfdFile);
    expect((f as PidfdFile).pid).toBe(proc(h.init, 1000).pid);
    h.init.files.closeOnExec(); // the pidfd is close-on-exec
    expect(h.init.files.get(3)).toBeUndefined();
  });

  it('T51 CLONE_PIDFD with pidfd unmapped -> EFAULT, no child; the next fork returns 1001', () => {
    fails({ ...BA, flags: CLONE_PIDFD, pidfd: UNMAPPED }, Errno.EFAULT);
    expect(sysn(h.init, 'fork')).toBe(1001);
  });

  it('T52 CLONE_SETTLS, tls 0x7ffff7fd0000 -> success, child fs_base 0x7ffff7fd0000', () => {
    succeeds({ ...BA, flags: CLONE_SETTLS, tls: 0x7ffff7fd0000 });
    expect(proc(h.init, 1000).resumeRegs![PT.fs_base]).toBe(0x7ffff7fd0000n);
  });

  it('T53 CLONE_SETTLS, tls 0x800000000000 -> EPERM', () => {
    fails({ ...BA, flags: CLONE_SETTLS, tls: 0x800000000000 }, Errno.EPERM);
  });
});
