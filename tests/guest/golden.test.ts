/**
 * Differential tests: each guest's stdout and exit status under sysemu equal the native run's, captured by
 * scripts/capture-golden.sh (as pid 1 of a fresh pid namespace on the project's Linux 6.18 machine).
 */
import { describe, expect, it } from 'vitest';
import { golden, guestBuilt, runGuest } from '../helpers/run_guest.js';

const SIMPLE = ['hello-asm', 'hello-glibc', 'hello-musl', 'syscall_abi', 'efault'];
const PROCESS = ['clone3_args', 'clone3_set_tid', 'pid_views', 'wait_status', 'clone_tids', 'vfork_mem', 'fork_many', 'pidfd_poll'];
const BOTH_LIBCS = PROCESS.flatMap((g) => [`${g}-glibc`, `${g}-musl`]);

describe.each([...SIMPLE, ...BOTH_LIBCS])('%s', (name) => {
  it.runIf(guestBuilt(name))('prints what the native run printed and exits with its status', () => {
    const run = runGuest(name);
    const want = golden(name);
    expect(run.stdout).toBe(want.stdout);
    expect(run.shellStatus).toBe(want.status);
  });
});

describe('auxv', () => {
  it.runIf(guestBuilt('auxv'))('gives argv, envp and the auxv entries of Linux, without a vDSO', () => {
    const run = runGuest('auxv', ['alpha', 'beta gamma']);
    const want = golden('auxv').stdout.split('\n').filter((l) => !l.startsWith('AT_SYSINFO_EHDR'));
    expect(run.stdout.split('\n')).toEqual(want);
    expect(run.shellStatus).toBe(0);
  });
});

describe.each([
  ['segv', 139],
  ['sigill', 132],
])('%s', (name, status) => {
  it.runIf(guestBuilt(name))(`is killed like the native run (status ${status}) with one line on stderr`, () => {
    const run = runGuest(name);
    expect(golden(name).status).toBe(status);
    expect(run.shellStatus).toBe(status);
    expect(run.stdout).toBe(golden(name).stdout);
  });
});
