/**
 * `sysemu sweep [options] [--] ELF [ARGS...]`: the fault sweep of emu/sweep.ts from the command line. A progress
 * bar goes to stderr when it is a terminal; the table (or with --json the whole report) goes to stdout; the exit
 * status is 1 when any check failed, 0 otherwise (2 for bad options, 126/127 for a bad program file).
 */
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { sweep, type ElfSweepOptions, type SweepReport, type SweepRow } from './sweep.js';
import { CLONE_WITH_PIDS_NR_DEFAULT } from '../kernel/kernel.js';
import { errnoName, MAX_ERRNO } from '../kernel/uapi/errno.js';

interface SweepFlags {
  json?: boolean;
  site?: string;
  offsets?: number[];
  max?: number;
  getput?: boolean;
  env: string[];
  clearEnv?: boolean;
  seed: number;
  pidMax: number;
  cloneWithPidsNr: number;
}

function intOption(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

/** "1,8,4095" -> [1, 8, 4095]. */
function offsetList(v: string): number[] {
  return v.split(',').map((s) => intOption('each offset', 0)(s.trim()));
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** The guest environment: the host's (unless --clear-env) with each -e K=V set. */
function guestEnv(flags: SweepFlags): string[] {
  const env = new Map<string, string>();
  if (!flags.clearEnv) for (const [k, v] of Object.entries(process.env)) env.set(k, v ?? '');
  for (const kv of flags.env) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`--env expects K=V, got "${kv}"`);
    env.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return [...env].map(([k, v]) => `${k}=${v}`);
}

/** A result as the table prints it: "-14 EFAULT", "4", "exit", "-". */
export function formatResult(r: SweepRow['result']): string {
  if (r === null) return '-';
  if (typeof r === 'string') return r;
  if (r < 0 && r >= -MAX_ERRNO) return `${r} ${errnoName(-r) ?? ''}`.trimEnd();
  return String(r);
}

/** The report as a fixed-width table, failing rows followed by their messages, then one summary line. */
export function formatReport(report: SweepReport): string {
  const head = ['SITE', 'OCC', 'SYSCALL', 'RESULT', 'STATUS', 'VERDICT'];
  const cells = report.rows.map((r) => [
    r.site, r.offset === 0 ? String(r.occurrence) : `${r.occurrence}@${r.offset}`, r.syscall ?? '-',
    formatResult(r.result), r.exitStatus === null ? '-' : String(r.exitStatus), r.verdict,
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((s, i) => s.padEnd(width[i]!)).join('  ').trimEnd();
  const out = [line(head)];
  report.rows.forEach((r, i) => {
    out.push(line(cells[i]!));
    for (const m of r.messages) out.push(`    ${m}`);
  });
  if (report.baseline.messages.length > 0) {
    out.push('baseline run (no fault) failed:', ...report.baseline.messages.map((m) => `    ${m}`));
  }
  const rate = report.rows.length > 0 ? ` (${(report.rows.length / (report.rerunMs / 1000)).toFixed(1)}/s)` : '';
  out.push(`${report.copies.length} user copies at ${report.sites.length} sites (${report.sites.join(', ')}); ` +
    `${report.rows.length} reruns in ${(report.rerunMs / 1000).toFixed(2)} s${rate}; ${report.failures} failed`);
  return out.join('\n') + '\n';
}

/** A progress bar on stderr when it is a terminal, else nothing. */
function progress(): Pick<ElfSweepOptions, 'onPlan' | 'onRow'> & { stop(): void } {
  if (!process.stderr.isTTY) return { stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr, hideCursor: true,
      format: 'sweep [{bar}] {value}/{total} reruns, {failed} failed, eta {eta}s',
    },
    cliProgress.Presets.shades_classic,
  );
  let failed = 0;
  return {
    onPlan: (total) => bar.start(total, 0, { failed }),
    onRow: (row, done) => bar.update(done, { failed: (failed += row.verdict === 'fail' ? 1 : 0) }),
    stop: () => bar.stop(),
  };
}

function sweepCommand(elf: string, args: string[], flags: SweepFlags): number {
  const bar = progress();
  let report: SweepReport;
  try {
    report = sweep(elf, {
      argv: [elf, ...args], envp: guestEnv(flags), seed: flags.seed, pidMax: flags.pidMax,
      cloneWithPidsNr: flags.cloneWithPidsNr, site: flags.site, offsets: flags.offsets, max: flags.max,
      getPut: flags.getput ?? false, onPlan: bar.onPlan, onRow: bar.onRow,
    });
  } finally {
    bar.stop();
  }
  process.stdout.write(flags.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
  return report.ok ? 0 : 1;
}

/**
 * Adds `sweep` to the sysemu program. setStatus receives the command's exit status (1 when any check failed).
 * A bad program file throws LaunchError out of program.parse, as `run` does.
 */
export function registerSweep(program: Command, setStatus: (status: number) => void): void {
  program
    .command('sweep')
    .description('run ELF once to list its user copies, then once per copy with that copy failed; check each run')
    .argument('<ELF>', 'static x86-64 Linux executable')
    .argument('[ARGS...]', 'arguments passed to the guest (argv[1]...)')
    .option('--json', 'print the whole report as JSON instead of the table')
    .option('--site <glob>', 'fault only copies at matching sites, e.g. "clone3:*" or "write:buf|read:buf"')
    .option('--offsets <list>', 'also fail each copy after each of these byte counts, e.g. 1,8,4095', offsetList)
    .option('--max <n>', 'at most n reruns (each site\'s first copy is kept first)', intOption('--max', 1))
    .option('--getput', 'also fault get_user/put_user/clear_user (not hooked on mainline x86)')
    .option('-e, --env <K=V>', 'set a variable in the guest environment (repeatable)', collect, [])
    .option('--clear-env', 'start the guest with an empty environment')
    .option('--seed <n>', 'seed for AT_RANDOM, getrandom and other random choices', intOption('--seed', 0), 0)
    .option('--pid-max <n>', 'pid_max of the root pid namespace', intOption('--pid-max', 301), 32768)
    .option('--clone-with-pids-nr <n>', 'syscall number of clone_with_pids',
      intOption('--clone-with-pids-nr', 0), CLONE_WITH_PIDS_NR_DEFAULT)
    .passThroughOptions()
    .action((elf: string, args: string[], flags: SweepFlags) => setStatus(sweepCommand(elf, args, flags)));
}
