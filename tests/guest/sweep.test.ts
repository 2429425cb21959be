/**
 * Acceptance of the fault sweep (issue 4) on real guests under the engine: sweeping the clone3 set_tid guest and
 * the clone_with_pids guest (set_tid / pids in nested namespaces) faults every copy site at least once, every
 * faulted clone3 / clone_with_pids call returns -EFAULT and no invariant fails; sweeping glibc and musl hello and
 * busybox `echo hi` completes and the report names each site; `sysemu sweep` prints the table and exits 0.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { BUILD, GOLDEN_ENV, guestBuilt } from '../helpers/run_guest.js';
import { sweep, type SweepReport } from '../../emu/sweep.js';
import { formatReport, registerSweep } from '../../emu/sweep_command.js';
import { CLONE_WITH_PIDS_NR_DEFAULT } from '../../kernel/kernel.js';
import { Errno } from '../../kernel/uapi/errno.js';

const BUSYBOX = '/bin/busybox';
/** A sweep reruns the guest once per copy (clone3_set_tid-glibc: about 150 runs), so these tests take longer. */
const SWEEP_TIMEOUT = 300_000;
/** The stdout write: glibc's printf uses write, musl's writev. */
const WRITE_SITE = /^writev?:/;

function sweepGuest(name: string, opts: Parameters<typeof sweep>[1] = {}): SweepReport {
  return sweep(join(BUILD, name), { argv: [`./${name}`], envp: GOLDEN_ENV, ...opts });
}

/** Every listed site has at least one rerun, and no row or the baseline failed (messages shown on failure). */
function expectClean(r: SweepReport): void {
  expect(r.baseline.messages).toEqual([]);
  const bad = r.rows.filter((row) => row.verdict !== 'ok');
  expect(bad.map((row) => `${row.site}#${row.occurrence}@${row.offset}: ${row.messages.join('; ')}`)).toEqual([]);
  for (const site of r.sites) expect(r.rows.some((row) => row.site === site), site).toBe(true);
  expect(r.ok).toBe(true);
}

/** Rows at sites matching prefix all returned -EFAULT. */
function expectEfault(r: SweepReport, prefix: string): void {
  const rows = r.rows.filter((row) => row.site.startsWith(prefix));
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.filter((row) => row.result !== -Errno.EFAULT)).toEqual([]);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe.skipIf(!guestBuilt('clone3_set_tid-glibc'))('sweep of clone3_set_tid-glibc', () => {
  it('faults clone3:clone_args and clone3:set_tid, each returns -EFAULT, no invariant fails', () => {
    const r = sweepGuest('clone3_set_tid-glibc', { getPut: true });
    expect(r.sites).toEqual(expect.arrayContaining(['clone3:clone_args', 'clone3:set_tid', 'write:buf']));
    expectEfault(r, 'clone3:');
    expectClean(r);
  }, SWEEP_TIMEOUT);
});

describe.skipIf(!guestBuilt('clone_with_pids-glibc'))('sweep of clone_with_pids-glibc', () => {
  it('faults clone_with_pids:clone_args and clone_with_pids:pids, each returns -EFAULT, no invariant fails', () => {
    const r = sweepGuest('clone_with_pids-glibc', { getPut: true, cloneWithPidsNr: CLONE_WITH_PIDS_NR_DEFAULT });
    expect(r.sites).toEqual(expect.arrayContaining(['clone_with_pids:clone_args', 'clone_with_pids:pids', 'write:buf']));
    expectEfault(r, 'clone_with_pids:');
    expectClean(r);
  }, SWEEP_TIMEOUT);
});

describe('sweeps of hello and busybox echo complete and name each site', () => {
  for (const name of ['hello-glibc', 'hello-musl']) {
    it.skipIf(!guestBuilt(name))(name, () => {
      const r = sweepGuest(name, { offsets: [1] });
      expect(r.sites.filter((s) => WRITE_SITE.test(s))).not.toEqual([]);
      const table = formatReport(r);
      for (const site of r.sites) expect(table).toContain(site);
      expectClean(r);
    }, SWEEP_TIMEOUT);
  }

  it.skipIf(!existsSync(BUSYBOX))('busybox echo hi', () => {
    const r = sweep(BUSYBOX, { argv: ['echo', 'hi'], envp: GOLDEN_ENV, offsets: [1] });
    expect(r.sites.filter((s) => WRITE_SITE.test(s))).not.toEqual([]);
    expectClean(r);
  }, SWEEP_TIMEOUT);
});

describe.skipIf(!guestBuilt('hello-musl'))('sysemu sweep', () => {
  it('prints the table and sets status 0; --json prints the report', () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    let status = -1;
    const program = new Command('sysemu').enablePositionalOptions().exitOverride();
    registerSweep(program, (s) => (status = s));
    const elf = join(BUILD, 'hello-musl');
    program.parse(['sweep', '--clear-env', '--site', 'write*', elf], { from: 'user' });
    expect(status).toBe(0);
    const head = /^SITE +OCC +SYSCALL +RESULT +STATUS +VERDICT\n/;
    expect(out.join('')).toMatch(new RegExp(head.source + /writev?:\w+ +1 +writev? +-14 EFAULT +\d+ +ok\n/.source));
    out.length = 0;
    program.parse(['sweep', '--json', '--clear-env', '--max', '1', elf], { from: 'user' });
    const report = JSON.parse(out.join('')) as SweepReport;
    expect(report.rows).toHaveLength(1);
    expect(report.ok).toBe(true);
  });
});
