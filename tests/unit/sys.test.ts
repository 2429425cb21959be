/**
 * uname, the uid/gid getters and resource limits. Limits are those of a fresh root shell on the reference machine
 * (Debian 12, Linux 6.18: `prlimit`, /proc/sys/kernel/threads-max 192729 -> NPROC 96364, fs.nr_open 1048576);
 * error orders come from kernel/sys.c and native runs.
 */
import os from 'node:os';
import { describe, it, expect } from 'vitest';
import { bootHarness, poke, peek, sysn, u64s, SCRATCH } from '../helpers/kernel_harness.js';
import { UTSNAME_SIZE, RLIM64_INFINITY, inheritRlimits, rlimitsOf } from '../../kernel/sys.js';
import { Errno } from '../../kernel/uapi/errno.js';
import { setUsercopyObserver } from '../../kernel/uaccess.js';
import type { Task } from '../../kernel/sched/task.js';

const BUF = SCRATCH + 0x1000;
const INF = RLIM64_INFINITY;

function rlim(task: Task, at: number): [bigint, bigint] {
  const v = new DataView(peek(task, at, 16).buffer);
  return [v.getBigUint64(0, true), v.getBigUint64(8, true)];
}

function field(b: Uint8Array, i: number): string {
  const f = b.subarray(i * 65, i * 65 + 65);
  return new TextDecoder().decode(f.subarray(0, f.indexOf(0)));
}

describe('uname', () => {
  it('390 bytes: Linux, sysemu, the host release and version, x86_64, (none); NUL padded', () => {
    const { init } = bootHarness();
    poke(init, BUF, new Uint8Array(UTSNAME_SIZE + 8).fill(0xee));
    expect(sysn(init, 'uname', BUF)).toBe(0);
    const b = peek(init, BUF, UTSNAME_SIZE + 8);
    expect([0, 1, 2, 3, 4, 5].map((i) => field(b, i))).toEqual([
      'Linux', 'sysemu', os.release(), os.version(), 'x86_64', '(none)',
    ]);
    expect([...b.subarray(0, 8)]).toEqual([76, 105, 110, 117, 120, 0, 0, 0]);
    expect(b[64]).toBe(0);
    expect(b[UTSNAME_SIZE]).toBe(0xee);
  });

  it('EFAULT for an unwritable buffer', () => {
    const { init } = bootHarness();
    expect(sysn(init, 'uname', 0)).toBe(-Errno.EFAULT);
    expect(sysn(init, 'uname', SCRATCH + 0x10000 - 100)).toBe(-Errno.EFAULT);
  });

  it('release can be set by the utsRelease option', () => {
    const { init } = bootHarness({ utsRelease: '6.18.0-sysemu' } as object);
    expect(sysn(init, 'uname', BUF)).toBe(0);
    expect(field(peek(init, BUF, UTSNAME_SIZE), 2)).toBe('6.18.0-sysemu');
  });
});

describe('credentials', () => {
  it('getuid, geteuid, getgid, getegid are 0', () => {
    const { init } = bootHarness();
    expect(['getuid', 'geteuid', 'getgid', 'getegid'].map((n) => sysn(init, n as 'getuid'))).toEqual([0, 0, 0, 0]);
  });
});

describe('prlimit64', () => {
  it('defaults of a root shell on the reference machine', () => {
    const { init } = bootHarness();
    const got = Array.from({ length: 16 }, (_, r) => {
      expect(sysn(init, 'prlimit64', 0, r, 0, BUF)).toBe(0);
      return rlim(init, BUF);
    });
    expect(got).toEqual([
      [INF, INF], [INF, INF], [INF, INF], [8388608n, INF], [0n, INF], [INF, INF], [96364n, 96364n], [1024n, 1048576n],
      [8388608n, 8388608n], [INF, INF], [INF, INF], [96364n, 96364n], [819200n, 819200n], [0n, 0n], [0n, 0n],
      [INF, INF],
    ]);
  });

  it("glibc's start-up call: prlimit64(0, RLIMIT_STACK, NULL, &old) -> {8 MiB, infinity}", () => {
    const { init } = bootHarness();
    expect(sysn(init, 'prlimit64', 0, 3, 0, BUF)).toBe(0);
    expect(rlim(init, BUF)).toEqual([8n << 20n, INF]);
  });

  it('a new limit is remembered for the thread group and the old one reported', () => {
    const { init } = bootHarness();
    poke(init, BUF, u64s([512, 1048576]));
    expect(sysn(init, 'prlimit64', 0, 7, BUF, BUF + 16)).toBe(0);
    expect(rlim(init, BUF + 16)).toEqual([1024n, 1048576n]);
    expect(sysn(init, 'prlimit64', 0, 7, 0, BUF + 32)).toBe(0);
    expect(rlim(init, BUF + 32)).toEqual([512n, 1048576n]);
    expect(sysn(init, 'getrlimit', 7, BUF + 48)).toBe(0);
    expect(rlim(init, BUF + 48)).toEqual([512n, 1048576n]);
  });

  it('own pid works like 0; another pid is ESRCH', () => {
    const { init } = bootHarness();
    expect(sysn(init, 'prlimit64', sysn(init, 'getpid'), 3, 0, BUF)).toBe(0);
    expect(sysn(init, 'prlimit64', 4242, 3, 0, BUF)).toBe(-Errno.ESRCH);
    expect(sysn(init, 'prlimit64', -5, 3, 0, BUF)).toBe(-Errno.ESRCH);
  });

  it('EINVAL for resource 16 (and cur > max), EPERM for NOFILE above nr_open, EFAULT', () => {
    const { init } = bootHarness();
    expect(sysn(init, 'prlimit64', 0, 16, 0, BUF)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'prlimit64', 0, 0xffffffff, 0, BUF)).toBe(-Errno.EINVAL);
    poke(init, BUF, u64s([10, 5]));
    expect(sysn(init, 'prlimit64', 0, 0, BUF, 0)).toBe(-Errno.EINVAL);
    poke(init, BUF, u64s([1024, 1048577]));
    expect(sysn(init, 'prlimit64', 0, 7, BUF, 0)).toBe(-Errno.EPERM);
    expect(sysn(init, 'prlimit64', 0, 9, 0, 8)).toBe(-Errno.EFAULT);
    expect(sysn(init, 'prlimit64', 0, 9, 8, 0)).toBe(-Errno.EFAULT);
    expect(sysn(init, 'prlimit64', 0, 16, 8, 0)).toBe(-Errno.EFAULT);
  });

  it('an unprivileged task may lower but not raise a hard limit', () => {
    const { init } = bootHarness();
    init.privileged = false;
    poke(init, BUF, u64s([100, 200]));
    expect(sysn(init, 'prlimit64', 0, 13, BUF, 0)).toBe(-Errno.EPERM);
    poke(init, BUF, u64s([1024, 4096]));
    expect(sysn(init, 'prlimit64', 0, 7, BUF, 0)).toBe(0);
    expect(rlimitsOf(init)[7]).toEqual([1024n, 4096n]);
  });

  it('the new limit is read with one user copy before the old one is written', () => {
    const { init } = bootHarness();
    poke(init, BUF, u64s([1, 2]));
    const sites: string[] = [];
    setUsercopyObserver({ onCopy: (_t, site) => sites.push(site) });
    try {
      expect(sysn(init, 'prlimit64', 0, 4, BUF, BUF + 16)).toBe(0);
    } finally {
      setUsercopyObserver(null);
    }
    expect(sites).toEqual(['prlimit64:new_rlim', 'prlimit64:old_rlim']);
  });

  it('inheritRlimits copies the table (a child keeps what its parent set)', () => {
    const a = bootHarness().init;
    const b = bootHarness().init;
    rlimitsOf(a)[4] = [7n, 9n];
    inheritRlimits(b, a);
    rlimitsOf(a)[4] = [1n, 9n];
    expect(rlimitsOf(b)[4]).toEqual([7n, 9n]);
  });
});

describe('setrlimit', () => {
  it('reads the struct first (EFAULT), then validates', () => {
    const { init } = bootHarness();
    expect(sysn(init, 'setrlimit', 99, 0)).toBe(-Errno.EFAULT);
    poke(init, BUF, u64s([1, 2]));
    expect(sysn(init, 'setrlimit', 99, BUF)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'setrlimit', 4, BUF)).toBe(0);
    expect(rlimitsOf(init)[4]).toEqual([1n, 2n]);
  });
});
