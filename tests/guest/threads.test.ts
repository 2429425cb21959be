/**
 * The thread and futex guests under sysemu (real engine), static glibc and musl: stdout and exit status equal the
 * native run (tests/golden/, captured by scripts/capture-golden.sh on Linux 6.18); after the run only the zombie
 * init is left and the pid invariants hold; the same threaded guest run twice with the virtual clock gives the
 * same strace output, byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { golden, guestBuilt, runGuest } from '../helpers/run_guest.js';
import { straceLine } from '../../kernel/trace/strace.js';
import { checkPidInvariants } from '../../kernel/pid.js';
import type { SyscallEvent } from '../../kernel/trace/event.js';

const THREAD_GUESTS = ['threads_counter', 'threads_condvar', 'threads_tls', 'threads_exit_group', 'threads_robust', 'futex_errors'];
const BUILT = THREAD_GUESTS.flatMap((g) => [`${g}-glibc`, `${g}-musl`]);

describe.each(BUILT)('%s', (name) => {
  it.runIf(guestBuilt(name))('prints what the native run printed, exits with its status, and leaves no task behind', () => {
    const run = runGuest(name);
    const want = golden(name);
    expect(run.stdout).toBe(want.stdout);
    expect(run.shellStatus).toBe(want.status);
    const k = run.machine.kernel;
    expect([...k.tasks]).toEqual([k.init]);
    expect(k.init!.state).toBe('zombie');
    expect(checkPidInvariants([k.rootPidNs])).toEqual([]);
  });
});

describe('threads_exit_group', () => {
  it.runIf(guestBuilt('threads_exit_group-glibc'))('exit_group(7) in a non-leader thread ends the process with status 7', () => {
    expect(golden('threads_exit_group-glibc').status).toBe(7);
    expect(runGuest('threads_exit_group-glibc').exitCode).toBe(7);
  });
});

/** The strace lines of one run with the virtual clock, each prefixed with the thread's tid like strace -f. */
function straceOf(name: string): string[] {
  const lines: string[] = [];
  const trace = (ev: SyscallEvent) => lines.push(straceLine(ev, { prefix: `[pid ${ev.task.kernel.tidOf(ev.task)}] ` }));
  runGuest(name, [], { clock: 'virtual', trace });
  return lines;
}

// threads_counter-musl is left out for time: its unlocks call FUTEX_WAKE while woken waiters wait for the CPU, about
// 700000 futex calls per run under round-robin scheduling (natively the threads barely overlap: about 40).
describe.each([
  ['threads_counter-glibc', 9],
  ['threads_condvar-glibc', 6],
  ['threads_condvar-musl', 6],
])('%s run twice', (name, threads) => {
  it.runIf(guestBuilt(name))('gives byte-identical strace output (deterministic scheduling, virtual clock)', () => {
    const first = straceOf(name);
    const second = straceOf(name);
    expect(new Set(first.map((l) => l.slice(0, l.indexOf(']') + 1))).size).toBe(threads);
    expect(second.join('\n')).toBe(first.join('\n'));
  });
});
