/**
 * The public entry point: run one static ELF under sysemu and report how it ended. Used by the CLI and by tests.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExecFormatError, parseElf, type ElfImage } from '../kernel/fs/elf.js';
import { Machine, type MachineOptions } from './machine.js';
import type { FatalFault } from '../kernel/signal.js';

export interface RunOptions extends MachineOptions {
  /** argv[0] onward; defaults to [path]. */
  argv?: string[];
  /** Environment strings "K=V"; defaults to the host environment. */
  envp?: string[];
}

export interface RunResult {
  /** The initial task's wait status (exit code << 8, or the signal number). */
  status: number;
  /** Exit code when exited normally, else null. */
  exitCode: number | null;
  /** Terminating signal when killed, else null. */
  signal: number | null;
  /** The fault that killed it, when a CPU fault did. */
  fault: FatalFault | null;
  machine: Machine;
}

/** A problem with the program file itself, with the exit status a shell would use (126 or 127). */
export class LaunchError extends Error {
  constructor(
    message: string,
    readonly exitStatus: number,
  ) {
    super(message);
  }
}

/** Programs loaded in this process, by path, with the file's size and time when read. */
const loaded = new Map<string, { stamp: string; image: ElfImage }>();

/**
 * Reads and checks the ELF; throws LaunchError (127 missing, 126 not runnable). An unchanged file loaded again
 * gives the same image, whose read-only segments (and their translated code) are then shared with earlier runs.
 */
export function loadProgram(path: string): ElfImage {
  let bytes: Uint8Array;
  let stamp: string;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new LaunchError(`${path}: Is a directory`, 126);
    if (!st.isFile()) throw new LaunchError(`${path}: cannot execute: not a regular file`, 126);
    stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
    const hit = loaded.get(resolve(path));
    if (hit?.stamp === stamp) return hit.image;
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof LaunchError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LaunchError(`${path}: No such file or directory`, 127);
    throw new LaunchError(`${path}: ${(e as Error).message}`, 126);
  }
  try {
    const image = parseElf(bytes);
    loaded.set(resolve(path), { stamp, image });
    return image;
  } catch (e) {
    if (e instanceof ExecFormatError) throw new LaunchError(`${path}: cannot execute: ${e.message}`, 126);
    throw e;
  }
}

function hostEnv(): string[] {
  return Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ''}`);
}

/** Runs path to completion. Throws LaunchError for a bad program file. */
export function runProgram(path: string, opts: RunOptions = {}): RunResult {
  const image = loadProgram(path);
  const machine = new Machine(opts);
  try {
    const init = machine.kernel.boot({
      image, argv: opts.argv ?? [path], envp: opts.envp ?? hostEnv(), execfn: path, exePath: resolve(path),
    });
    if (typeof init === 'number') throw new LaunchError(`${path}: cannot map the program (errno ${-init})`, 126);
    machine.run();
  } finally {
    machine.close();
  }
  const status = machine.kernel.initStatus ?? 0;
  const signal = status & 0x7f;
  return {
    status,
    exitCode: signal === 0 ? (status >> 8) & 0xff : null,
    signal: signal === 0 ? null : signal,
    fault: machine.kernel.lastFatalFault,
    machine,
  };
}
