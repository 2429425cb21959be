/**
 * Runs a built guest under sysemu in this process (real Unicorn engine), with its standard streams in memory, and
 * reads native golden outputs captured by scripts/capture-golden.sh.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProgram, type RunOptions, type RunResult } from '../../emu/run_program.js';
import { MemIo } from './kernel_harness.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BUILD = join(ROOT, 'guest', 'build');
export const GOLDEN = join(ROOT, 'tests', 'golden');

/** The environment golden outputs were captured with (scripts/capture-golden.sh GUEST_ENV). */
export const GOLDEN_ENV = ['LANG=C', 'SYSEMU_GOLDEN=1'];

export interface GuestRun extends RunResult {
  stdout: string;
  stderr: string;
  /** Exit status as a shell reports it (128 + signal when killed). */
  shellStatus: number;
}

/** Runs guest/build/<name> with argv ['./<name>', ...args] and the golden environment. */
export function runGuest(name: string, args: string[] = [], opts: RunOptions = {}): GuestRun {
  const io = new MemIo();
  const r = runProgram(join(BUILD, name), { argv: [`./${name}`, ...args], envp: GOLDEN_ENV, hostIo: io, ...opts });
  return {
    ...r,
    stdout: io.text(1),
    stderr: io.text(2),
    shellStatus: r.signal !== null ? 128 + r.signal : (r.exitCode ?? 0),
  };
}

/** True when the guest was built (tests skip with a message otherwise). */
export function guestBuilt(name: string): boolean {
  return existsSync(join(BUILD, name));
}

/** The native stdout and exit status of a guest. */
export function golden(name: string): { stdout: string; status: number } {
  return {
    stdout: readFileSync(join(GOLDEN, `${name}.stdout`), 'utf8'),
    status: Number(readFileSync(join(GOLDEN, `${name}.status`), 'utf8').trim()),
  };
}
