/**
 * clock_gettime / clock_getres / gettimeofday / time. The virtual clock starts at 2026-01-01T00:00:00Z and moves
 * 1 us per completed syscall; the clock ids and their EINVAL cases are those of the reference machine (6.18, no
 * RTC, so the ALARM clocks are EINVAL; id 10 SGI_CYCLE and 12+ do not exist).
 */
import { describe, it, expect } from 'vitest';
import { bootHarness, peek, sysn, SCRATCH } from '../helpers/kernel_harness.js';
import { Errno } from '../../kernel/uapi/errno.js';
import type { Task } from '../../kernel/sched/task.js';

const BUF = SCRATCH + 0x1000;
const START = 1767225600n;

function pair(task: Task, at: number): [bigint, bigint] {
  const v = new DataView(peek(task, at, 16).buffer);
  return [v.getBigInt64(0, true), v.getBigInt64(8, true)];
}

/** The CPU-clock id of pid with a type (0 PROF, 1 VIRT, 2 SCHED), per thread or per process. */
function cpuClockId(pid: number, type: number, thread: boolean): number {
  return (~pid << 3) | (thread ? 4 : 0) | type;
}

describe('virtual clock', () => {
  it('REALTIME starts at 2026-01-01T00:00:00Z and advances 1 us per syscall', () => {
    const { init, kernel } = bootHarness({ clock: 'virtual' });
    const n = kernel.syscallCount;
    expect(sysn(init, 'clock_gettime', 0, BUF)).toBe(0);
    expect(pair(init, BUF)).toEqual([START, BigInt(n) * 1000n]);
    expect(sysn(init, 'clock_gettime', 0, BUF)).toBe(0);
    expect(pair(init, BUF)).toEqual([START, BigInt(n + 1) * 1000n]);
  });

  it('MONOTONIC and BOOTTIME start at 10 s of uptime; the CPU clocks at 0', () => {
    const { init, kernel } = bootHarness({ clock: 'virtual' });
    const us = (k: number) => BigInt(kernel.syscallCount + k) * 1000n;
    expect(sysn(init, 'clock_gettime', 1, BUF)).toBe(0);
    expect(pair(init, BUF)).toEqual([10n, us(-1)]);
    expect(sysn(init, 'clock_gettime', 7, BUF)).toBe(0);
    expect(pair(init, BUF)).toEqual([10n, us(-1)]);
    expect(sysn(init, 'clock_gettime', 2, BUF)).toBe(0);
    expect(pair(init, BUF)).toEqual([0n, us(-1)]);
    expect(sysn(init, 'clock_gettime', cpuClockId(0, 2, false), BUF)).toBe(0);
    expect(pair(init, BUF)).toEqual([0n, us(-1)]);
  });

  it('gettimeofday and time read the same clock; tz is zero', () => {
    const { init, kernel } = bootHarness({ clock: 'virtual' });
    const n = BigInt(kernel.syscallCount);
    expect(sysn(init, 'gettimeofday', BUF, BUF + 16)).toBe(0);
    expect(pair(init, BUF)).toEqual([START, n]);
    expect([...peek(init, BUF + 16, 8)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(sysn(init, 'time', BUF + 32)).toBe(Number(START));
    expect(pair(init, BUF + 32)[0]).toBe(START);
    expect(sysn(init, 'time', 0)).toBe(Number(START));
    expect(sysn(init, 'gettimeofday', 0, 0)).toBe(0);
  });

  it('the same calls give the same times in two runs', () => {
    const run = () => {
      const { init } = bootHarness({ clock: 'virtual' });
      sysn(init, 'clock_gettime', 0, BUF);
      return pair(init, BUF);
    };
    expect(run()).toEqual(run());
  });
});

describe('clock ids', () => {
  it('0-7 and 11 (TAI) are valid; 8, 9 (ALARM, no RTC), 10 (SGI_CYCLE), 12, 16 are EINVAL', () => {
    const { init } = bootHarness({ clock: 'virtual' });
    const results = Array.from({ length: 17 }, (_, id) => sysn(init, 'clock_gettime', id, BUF));
    expect(results).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, -Errno.EINVAL, -Errno.EINVAL, -Errno.EINVAL, 0, -Errno.EINVAL, -Errno.EINVAL,
      -Errno.EINVAL, -Errno.EINVAL, -Errno.EINVAL,
    ]);
  });

  it('negative ids: own CPU clocks (pid 0) are valid as on 6.18 (-2 = pid 0 SCHED); clock fds and type 3 not', () => {
    const { init } = bootHarness({ clock: 'virtual' });
    expect(sysn(init, 'clock_gettime', -2, BUF)).toBe(0);
    expect(sysn(init, 'clock_gettime', cpuClockId(0, 0, true), BUF)).toBe(0);
    expect(sysn(init, 'clock_gettime', cpuClockId(0, 3, false), BUF)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'clock_gettime', (~5 << 3) | 3, BUF)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'clock_gettime', cpuClockId(4242, 2, false), BUF)).toBe(-Errno.EINVAL);
  });

  it('the coarse clocks step by a jiffy (4 ms)', () => {
    const { init } = bootHarness({ clock: 'virtual' });
    expect(sysn(init, 'clock_gettime', 5, BUF)).toBe(0);
    expect(pair(init, BUF)).toEqual([START, 0n]);
    expect(sysn(init, 'clock_getres', 5, BUF)).toBe(0);
    expect(pair(init, BUF)).toEqual([0n, 4000000n]);
    expect(sysn(init, 'clock_getres', 1, BUF)).toBe(0);
    expect(pair(init, BUF)).toEqual([0n, 1n]);
    expect(sysn(init, 'clock_getres', 1, 0)).toBe(0);
  });

  it('EFAULT for an unwritable timespec (clock_gettime(CLOCK_BOOTTIME, 0x8) natively)', () => {
    const { init } = bootHarness({ clock: 'virtual' });
    expect(sysn(init, 'clock_gettime', 7, 8)).toBe(-Errno.EFAULT);
    expect(sysn(init, 'gettimeofday', 8, 0)).toBe(-Errno.EFAULT);
    expect(sysn(init, 'gettimeofday', 0, 8)).toBe(-Errno.EFAULT);
    expect(sysn(init, 'time', 8)).toBe(-Errno.EFAULT);
  });
});

describe('real clock', () => {
  it('REALTIME is the host time', () => {
    const { init } = bootHarness({ clock: 'real' });
    const before = BigInt(Date.now()) / 1000n;
    expect(sysn(init, 'clock_gettime', 0, BUF)).toBe(0);
    const [sec, nsec] = pair(init, BUF);
    expect(sec >= before && sec <= before + 2n).toBe(true);
    expect(nsec >= 0n && nsec < 1000000000n).toBe(true);
  });
});
