/**
 * The sysemu command as a user runs it (bin/sysemu.mjs, the bundled CLI): help and version, exit statuses passed
 * through, one-line errors for bad programs and options, one line for a guest killed by a signal.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD, ROOT, guestBuilt } from '../helpers/run_guest.js';

function sysemu(args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'sysemu.mjs'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('sysemu', () => {
  it('prints usage for --help', () => {
    const r = sysemu(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: sysemu');
    expect(r.stdout).toContain('run [options] <ELF> [ARGS...]');
  });

  it('prints the sysemu, Unicorn and koffi versions', () => {
    const r = sysemu(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^sysemu \d+\.\d+\.\d+\nUnicorn 2\.\d+\.\d+ .*\nkoffi \d+\.\d+\.\d+\n$/);
  });

  it('runs a guest and passes its output and exit status through', () => {
    const r = sysemu(['run', join(BUILD, 'hello-asm')]);
    expect(r.stdout).toBe('Hello from sysemu!\n');
    expect(r.status).toBe(0);
  });

  it('passes a non-zero exit status through (busybox false)', () => {
    expect(sysemu(['run', '/bin/busybox', 'false']).status).toBe(1);
  });

  it('reports a missing program in one line with status 127', () => {
    const r = sysemu(['run', '/nonexistent/prog']);
    expect(r.status).toBe(127);
    expect(r.stderr).toBe('sysemu: /nonexistent/prog: No such file or directory\n');
  });

  it('refuses a file that is not ELF with status 126', () => {
    const r = sysemu(['run', join(ROOT, 'package.json')]);
    expect(r.status).toBe(126);
    expect(r.stderr).toBe(`sysemu: ${join(ROOT, 'package.json')}: cannot execute: not an ELF file\n`);
  });

  it('refuses a dynamically linked program with status 126', () => {
    const r = sysemu(['run', '/bin/true']);
    expect(r.status).toBe(126);
    expect(r.stderr).toMatch(/^sysemu: \/bin\/true: cannot execute: dynamically linked .*\n$/);
  });

  it('rejects a bad option value in one line with status 2', () => {
    const r = sysemu(['run', '--seed', 'x', join(BUILD, 'hello-asm')]);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/--seed/);
  });

  it.runIf(guestBuilt('segv'))('reports a guest killed by SIGSEGV in one line, status 139, no stack trace', () => {
    const r = sysemu(['run', join(BUILD, 'segv')]);
    expect(r.status).toBe(139);
    expect(r.stderr).toMatch(/^sysemu: guest killed by SIGSEGV at address 0x[0-9a-f]+ \(rip 0x[0-9a-f]+\)\n$/);
  });
});

describe('sysemu run with damaged programs', () => {
  it('refuses a truncated ELF in one line with status 126', () => {
    const path = join(tmpdir(), `sysemu-trunc-${process.pid}`);
    writeFileSync(path, readFileSync(join(BUILD, 'hello-glibc')).subarray(0, 4000));
    const r = sysemu(['run', path]);
    expect(r.status).toBe(126);
    expect(r.stderr).toBe(`sysemu: ${path}: cannot execute: truncated or corrupt (a loadable segment lies past the end of the file)\n`);
  });

  it('ends a guest writing to a closed pipe with SIGPIPE (141) and no message, as a shell shows it', () => {
    const bash = spawnSync('bash', ['-c', `"${process.execPath}" "${join(ROOT, 'bin', 'sysemu.mjs')}" run /bin/busybox yes | head -1 >/dev/null; echo \${PIPESTATUS[0]}`], { encoding: 'utf8' });
    expect(bash.stdout.trim()).toBe('141');
    expect(bash.stderr).toBe('');
  });
});

describe('sysemu run reports its own failures in one line', () => {
  it('a bad --env value: status 2', () => {
    const r = sysemu(['run', '--env', 'FOO', join(BUILD, 'hello-asm')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('sysemu: --env expects K=V, got "FOO"\n');
  });

  it.runIf(guestBuilt('clone3_args-glibc'))('a guest left blocked forever: status 125', () => {
    const r = sysemu(['run', '--fail-usercopy=site=clone3:*,nth=1', join(BUILD, 'clone3_args-glibc')]);
    expect(r.status).toBe(125);
    expect(r.stderr).toBe('sysemu: deadlock: 1 task(s) blocked forever with nothing runnable\n');
  });
});
