/** Debian's static busybox runs its simple applets under sysemu with the output and status of a native run. */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../../emu/run_program.js';
import { MemIo } from '../helpers/kernel_harness.js';

const BUSYBOX = '/bin/busybox';

function busybox(...args: string[]) {
  const io = new MemIo();
  const r = runProgram(BUSYBOX, { argv: ['busybox', ...args], envp: ['LANG=C'], hostIo: io });
  return { stdout: io.text(1), stderr: io.text(2), exitCode: r.exitCode, signal: r.signal };
}

describe.runIf(existsSync(BUSYBOX))('busybox', () => {
  it('echo hello world', () => {
    expect(busybox('echo', 'hello', 'world')).toMatchObject({ stdout: 'hello world\n', exitCode: 0 });
  });

  it('seq 1 5', () => {
    expect(busybox('seq', '1', '5')).toMatchObject({ stdout: '1\n2\n3\n4\n5\n', exitCode: 0 });
  });

  it('true exits 0 and false exits 1', () => {
    expect(busybox('true').exitCode).toBe(0);
    expect(busybox('false').exitCode).toBe(1);
  });

  it('uname -m says x86_64', () => {
    expect(busybox('uname', '-m')).toMatchObject({ stdout: 'x86_64\n', exitCode: 0 });
  });
});
