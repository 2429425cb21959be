/**
 * --strace shows what the guest asked of the kernel: the same syscall names, in the same order, as `strace -f`
 * of the native run (tests/golden/*.syscalls, without the execve that started it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GOLDEN, guestBuilt, runGuest } from '../helpers/run_guest.js';
import { straceLine } from '../../kernel/trace/strace.js';

describe.each(['hello-glibc', 'hello-musl'])('%s', (name) => {
  it.runIf(guestBuilt(name))('makes the syscalls of the native run, in order', () => {
    const lines: string[] = [];
    const run = runGuest(name, [], { trace: (ev) => lines.push(straceLine(ev)) });
    expect(run.exitCode).toBe(0);
    const native = readFileSync(join(GOLDEN, `${name}.syscalls`), 'utf8').trim().split('\n').slice(1);
    expect(lines.map((l) => l.slice(0, l.indexOf('(')))).toEqual(native);
  });
});

describe('strace lines', () => {
  it.runIf(guestBuilt('hello-asm'))('decode write and exit_group as strace prints them', () => {
    const lines: string[] = [];
    runGuest('hello-asm', [], { trace: (ev) => lines.push(straceLine(ev)) });
    // Exactly what `strace -qq ./hello-asm` prints on the reference machine.
    expect(lines).toEqual(['write(1, "Hello from sysemu!\\n", 19)    = 19', 'exit_group(0)                           = ?']);
  });
});
