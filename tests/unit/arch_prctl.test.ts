/**
 * arch_prctl: spec section 2 (glibc's ARCH_SET_FS and the CET probe 0x3001), spec 1.7 (a base must be below
 * TASK_SIZE_MAX, else EPERM), and the answers of the reference machine for GET_CPUID (1) and SET_CPUID (ENODEV).
 */
import { describe, it, expect } from 'vitest';
import { bootHarness, peek, sys, sysn, SCRATCH } from '../helpers/kernel_harness.js';
import { FakeCpu } from '../helpers/fake_cpu.js';
import { PT, newPtRegs } from '../../kernel/arch/x86/ptregs.js';
import { SyscallArgs } from '../../kernel/arch/x86/syscall_args.js';
import { sysArchPrctl, ARCH_CET_STATUS, ARCH_GET_FS, ARCH_SET_FS, ARCH_SET_GS } from '../../kernel/arch/x86/process.js';
import { Errno } from '../../kernel/uapi/errno.js';

const BUF = SCRATCH + 0x1000;

function frame(option: number, arg2: bigint): SyscallArgs {
  const regs = newPtRegs();
  regs[PT.rdi] = BigInt.asUintN(64, BigInt(option));
  regs[PT.rsi] = arg2;
  return new SyscallArgs(regs);
}

describe('arch_prctl', () => {
  it('ARCH_SET_FS on a running task writes the live FS base, leaving the other registers alone', () => {
    const { init } = bootHarness();
    const cpu = init.mm.cpu as FakeCpu;
    cpu.regs[PT.rip] = 0x401000n;
    cpu.regs[PT.rbx] = 0x1234n;
    init.state = 'running';
    const a = frame(ARCH_SET_FS, 0x4c9380n);
    expect(sysArchPrctl(init, a)).toBe(0);
    expect(cpu.regs[PT.fs_base]).toBe(0x4c9380n);
    expect(cpu.regs[PT.rip]).toBe(0x401000n);
    expect(cpu.regs[PT.rbx]).toBe(0x1234n);
    expect(a.regs[PT.fs_base]).toBe(0x4c9380n);
  });

  it('a task off the CPU gets the base in its frame only', () => {
    const { init } = bootHarness();
    const cpu = init.mm.cpu as FakeCpu;
    init.state = 'runnable';
    const a = frame(ARCH_SET_GS, 0x5000n);
    expect(sysArchPrctl(init, a)).toBe(0);
    expect(a.regs[PT.gs_base]).toBe(0x5000n);
    expect(cpu.regs[PT.gs_base]).toBe(0n);
  });

  it('ARCH_GET_FS stores the current base (8 bytes); EFAULT for a bad pointer', () => {
    const { init } = bootHarness();
    const a = frame(ARCH_GET_FS, BigInt(BUF));
    a.regs[PT.fs_base] = 0x21cde380n;
    expect(sysArchPrctl(init, a)).toBe(0);
    expect(new DataView(peek(init, BUF, 8).buffer).getBigUint64(0, true)).toBe(0x21cde380n);
    expect(sysArchPrctl(init, frame(ARCH_GET_FS, 8n))).toBe(-Errno.EFAULT);
  });

  it('spec 2: 0x3001 (ARCH_CET_STATUS) -> EINVAL; unknown codes -> EINVAL', () => {
    const { init } = bootHarness();
    expect(sysn(init, 'arch_prctl', ARCH_CET_STATUS, BUF)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'arch_prctl', 0x9999, 0)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'arch_prctl', 0x4001, 0)).toBe(-Errno.EINVAL);
  });

  it('spec 1.7: SET_FS / SET_GS with 0x800000000000 or TASK_SIZE_MAX -> EPERM; just below is accepted', () => {
    const { init } = bootHarness();
    expect(sysn(init, 'arch_prctl', ARCH_SET_FS, 0x800000000000)).toBe(-Errno.EPERM);
    expect(sysn(init, 'arch_prctl', ARCH_SET_FS, 0x7ffffffff000)).toBe(-Errno.EPERM);
    expect(sysn(init, 'arch_prctl', ARCH_SET_GS, -1)).toBe(-Errno.EPERM);
    expect(sysn(init, 'arch_prctl', ARCH_SET_FS, 0x7fffffffefff)).toBe(0);
    expect(sysn(init, 'arch_prctl', ARCH_SET_GS, 0)).toBe(0);
  });

  it('GET_CPUID is 1 and SET_CPUID is ENODEV, as on the reference machine', () => {
    const { init } = bootHarness();
    expect(sys(init, 'arch_prctl', 0x1011, 0)).toBe(1);
    expect(sys(init, 'arch_prctl', 0x1012, 0)).toBe(-Errno.ENODEV);
  });
});
