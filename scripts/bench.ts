/**
 * `npm run bench`: the benchmark suite of issue 6. Builds the guests of guest/bench/ (scripts/build-bench.sh) and
 * runs each natively, under qemu-user (`qemu-x86_64`) and under sysemu through the bundled CLI
 * (`node dist/sysemu.mjs run ...`, node start-up included), alternating the three columns over several rounds.
 * Prints one markdown table (median wall time, ratios, sysemu peak RSS, min-max), the goals of issue 6 with the
 * measured values, then the in-process micro-benchmarks (scripts/bench-micro.ts).
 *
 * Usage: npx tsx scripts/bench.ts [--rounds N] [--slow-rounds N] [--only a,c,f] [--json FILE] [--no-micro]
 *   --rounds N       rounds of every row (default 5)
 *   --slow-rounds N  rounds of the slow rows (h; default 3): one round of h takes about a minute, most of it qemu's
 *   --only LIST      row ids to run; "f" selects f1 and f2
 *   --json FILE      also write everything as JSON (with the Unicorn version and the machine)
 *   --no-micro       skip the micro-benchmarks
 * Every guest's stdout goes to /dev/null in all three columns. Peak RSS and CPU time (user + system) come from
 * /usr/bin/time (Debian package `time`, installed when root), else the peak RSS of sysemu alone from a preloaded
 * hook that reads process.resourceUsage(). CPU time is in the JSON: on a busy machine it moves less than wall time.
 * qemu-user is installed with apt-get when root and missing; otherwise its column is skipped with a note.
 * The script measures; it never fails because a guest failed (the cell says so) and is not part of `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { MicroResult } from './bench-micro.js';

/** bench-micro.ts's exports, loaded only when the micro-benchmarks run (they import kernel/ and emu/ sources). */
type MicroModule = typeof import('./bench-micro.js');

const ROOT = join(import.meta.dirname, '..');
const BUNDLE = join(ROOT, 'dist', 'sysemu.mjs');
const GUESTS = join(ROOT, 'guest', 'build', 'bench');
const TIME = '/usr/bin/time';
const QEMU = 'qemu-x86_64';
/** A measurement that runs longer than this is killed and recorded as failed. */
const TIMEOUT_MS = 10 * 60 * 1000;
const IS_ROOT = process.getuid?.() === 0;

type Column = 'native' | 'qemu' | 'sysemu';
const COLUMNS: Column[] = ['native', 'qemu', 'sysemu'];

/** One benchmark: a guest of guest/build/bench/ and its arguments, the same in every column. */
interface Row {
  id: string;
  name: string;
  guest: string;
  args: string[];
  /** Run native and qemu inside `unshare -pf --mount-proc` (the guest makes pid namespaces). */
  pidns?: boolean;
  /** Runs --slow-rounds times instead of --rounds. */
  slow?: boolean;
}

const ROWS: Row[] = [
  { id: 'a', name: '1M x getpid (raw syscall)', guest: 'getpid', args: [] },
  { id: 'b', name: 'sieve 2e6 x 40 (compute)', guest: 'sieve', args: [] },
  { id: 'c', name: '1000 x fork+_exit+wait4', guest: 'fork', args: [] },
  { id: 'd', name: '200k x write 4 KiB', guest: 'write', args: [] },
  { id: 'e', name: 'glibc fill+checksum 64 MiB', guest: 'checksum', args: [] },
  { id: 'f1', name: 'start-up, asm -nostdlib', guest: 'exit_asm', args: [] },
  { id: 'f2', name: 'start-up, glibc static', guest: 'exit_glibc', args: [] },
  { id: 'g', name: '8 threads x 100k mutex', guest: 'mutex', args: ['100000', '8'] },
  { id: 'h', name: '10k children, pidns depth 8', guest: 'pidns', args: ['10000', '8'], pidns: true, slow: true },
];

/** One run of one command. */
interface Sample {
  ms: number;
  rssKiB: number | null;
  /** User + system CPU time of the command and its children, ms (10 ms resolution); null without /usr/bin/time. */
  cpuMs: number | null;
  /** Exit status (128 + signal when killed), -1 when it could not be started or timed out. */
  status: number;
  stderr: string;
}

/** Summary of one column of one row. */
interface Series {
  command: string[] | null;
  samplesMs: number[];
  medianMs: number | null;
  minMs: number | null;
  maxMs: number | null;
  /** Highest peak RSS seen over the rounds, KiB. */
  peakRssKiB: number | null;
  /** Median user + system CPU time, ms. */
  cpuMedianMs: number | null;
  failures: number;
  note?: string;
}

interface Options {
  rounds: number;
  slowRounds: number;
  only: string[] | null;
  json: string | null;
  micro: boolean;
}

// ---------------------------------------------------------------------------------------------- arguments

function parseArgs(argv: string[]): Options {
  const o: Options = { rounds: 5, slowRounds: 3, only: null, json: null, micro: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--rounds') o.rounds = positiveInt(a, next());
    else if (a === '--slow-rounds') o.slowRounds = positiveInt(a, next());
    else if (a === '--only') o.only = next().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--json') o.json = next();
    else if (a === '--no-micro') o.micro = false;
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    else usage(`unknown argument ${a}`);
  }
  return o;
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) usage(`${name} must be a positive integer`);
  return n;
}

const USAGE = 'usage: tsx scripts/bench.ts [--rounds N] [--slow-rounds N] [--only a,b,...,f,f1,f2,g,h] [--json FILE] [--no-micro]';

function usage(msg: string): never {
  console.error(`bench: ${msg}\n${USAGE}`);
  process.exit(2);
}

function selectedRows(only: string[] | null): Row[] {
  if (only === null) return ROWS;
  const rows = ROWS.filter((r) => only.some((id) => r.id === id || (id.length === 1 && r.id.startsWith(id))));
  if (rows.length === 0) usage(`--only ${only.join(',')} matches no row (ids: ${ROWS.map((r) => r.id).join(', ')})`);
  return rows;
}

// ---------------------------------------------------------------------------------------------- tools

function say(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

let aptUpdated = false;

/** apt-get install of one Debian package (root only); true when it worked. */
function aptInstall(pkg: string): boolean {
  if (!IS_ROOT || !onPath('apt-get')) return false;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    say('apt-get update');
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    aptUpdated = true;
  }
  say(`apt-get install ${pkg}`);
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { stdio: 'ignore', env });
  return r.status === 0;
}

/** Makes sure `check()` holds, installing `pkg` when root; returns whether it holds. */
function ensureTool(what: string, pkg: string, check: () => boolean): boolean {
  if (check()) return true;
  if (aptInstall(pkg) && check()) return true;
  say(`${what} is missing and ${IS_ROOT ? `apt-get install ${pkg} failed` : `installing ${pkg} needs root`}`);
  return false;
}

/** Builds the benchmark guests (idempotent) and the CLI bundle when it is missing. False when a step failed. */
function buildAll(): boolean {
  if (!existsSync(BUNDLE)) {
    say('dist/sysemu.mjs is missing: node scripts/build.mjs');
    spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: ROOT });
  }
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'build-bench.sh')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) {
    say(`scripts/build-bench.sh failed:\n${r.stdout}${r.stderr}`);
    return false;
  }
  if (!/ 0 built/.test(r.stdout)) process.stderr.write(r.stdout);
  return existsSync(BUNDLE);
}

// ---------------------------------------------------------------------------------------------- running

/** Preloaded into sysemu's node when /usr/bin/time is missing: writes the peak RSS (KiB) at exit. */
const RSS_HOOK = `import { writeFileSync } from 'node:fs';
process.on('exit', () => writeFileSync(process.env.SYSEMU_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));
`;

class Runner {
  private readonly dir = mkdtempSync(join(tmpdir(), 'sysemu-bench-'));
  private readonly rssFile = join(this.dir, 'rss');
  private readonly hook = join(this.dir, 'rss-hook.mjs');
  private readonly devNull = openSync('/dev/null', 'w');

  constructor(private readonly haveTime: boolean) {
    writeFileSync(this.hook, RSS_HOOK);
  }

  /** The command line of `row` in `col`, or null when the column cannot run. */
  command(row: Row, col: Column, haveQemu: boolean): string[] | null {
    const guest = [join(GUESTS, row.guest), ...row.args];
    const ns = row.pidns ? ['unshare', '-pf', '--mount-proc'] : [];
    if (col === 'native') return [...ns, ...guest];
    if (col === 'qemu') return haveQemu ? [...ns, QEMU, ...guest] : null;
    return [process.execPath, BUNDLE, 'run', ...guest];
  }

  /** Runs argv once with stdout on /dev/null: wall time, peak RSS, exit status. */
  measure(argv: string[], sysemu: boolean): Sample {
    rmSync(this.rssFile, { force: true });
    let full = argv;
    if (this.haveTime) full = [TIME, '-f', '%U %S %M', '-o', this.rssFile, ...argv];
    else if (sysemu) full = [argv[0]!, '--import', this.hook, ...argv.slice(1)];
    const t0 = process.hrtime.bigint();
    const r = spawnSync(full[0]!, full.slice(1), {
      stdio: ['ignore', this.devNull, 'pipe'], timeout: TIMEOUT_MS, maxBuffer: 64 << 20,
      env: { ...process.env, SYSEMU_BENCH_RSS_FILE: this.rssFile },
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const status = r.error || r.signal === 'SIGTERM' ? -1 : r.status ?? 128;
    return { ...this.readUsage(), ms, status, stderr: (r.stderr?.toString() ?? '') + (r.error ? String(r.error) : '') };
  }

  /**
   * Peak RSS and CPU time from the file that /usr/bin/time (its last line: "user system maxrss") or the preloaded
   * hook (one number: maxrss) wrote. GNU time puts notes like "Command exited with non-zero status" first.
   */
  private readUsage(): { rssKiB: number | null; cpuMs: number | null } {
    if (!existsSync(this.rssFile)) return { rssKiB: null, cpuMs: null };
    const lines = readFileSync(this.rssFile, 'utf8').trim().split('\n');
    const f = (lines[lines.length - 1] ?? '').trim().split(/\s+/).map(Number);
    if (f.some((x) => !Number.isFinite(x))) return { rssKiB: null, cpuMs: null };
    if (f.length === 3) return { rssKiB: f[2]! || null, cpuMs: Math.round((f[0]! + f[1]!) * 1000) };
    return { rssKiB: f[0]! || null, cpuMs: null };
  }

  close(): void {
    closeSync(this.devNull);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function summarize(command: string[] | null, samples: Sample[], note?: string): Series {
  const ok = samples.filter((s) => s.status === 0);
  const ms = ok.map((s) => s.ms);
  const rss = samples.map((s) => s.rssKiB).filter((x): x is number => x !== null);
  const cpu = ok.map((s) => s.cpuMs).filter((x): x is number => x !== null);
  const failed = samples.find((s) => s.status !== 0);
  let why = note;
  if (failed) why = `exit ${failed.status}${failed.stderr.trim() ? `: ${failed.stderr.trim().split('\n').slice(-1)[0]}` : ''}`;
  return {
    command, samplesMs: ms, medianMs: ms.length ? median(ms) : null,
    minMs: ms.length ? Math.min(...ms) : null, maxMs: ms.length ? Math.max(...ms) : null,
    peakRssKiB: rss.length ? Math.max(...rss) : null, cpuMedianMs: cpu.length ? median(cpu) : null, failures: samples.length - ok.length, note: why,
  };
}

// ---------------------------------------------------------------------------------------------- formatting

function fmtMs(ms: number | null): string {
  if (ms === null) return '-';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

function fmtRatio(a: number | null, b: number | null): string {
  if (a === null || b === null || b === 0) return '-';
  const r = a / b;
  return r >= 100 ? `${r.toFixed(0)}x` : r >= 10 ? `${r.toFixed(1)}x` : `${r.toFixed(2)}x`;
}

function fmtMiB(kib: number | null): string {
  return kib === null ? '-' : `${(kib / 1024).toFixed(kib < 10240 ? 1 : 0)} MiB`;
}

/** "min-max" in ms, without the unit (the column header gives it). */
function fmtRange(s: Series): string {
  if (s.minMs === null || s.maxMs === null) return s.note ? 'failed' : '-';
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  return `${f(s.minMs)}-${f(s.maxMs)}`;
}

interface RowResult {
  row: Row;
  rounds: number;
  series: Record<Column, Series>;
}

function tableLines(results: RowResult[], defaultRounds: number): string[] {
  const lines = [
    '| benchmark | native median | qemu median | sysemu median | sysemu/native | sysemu/qemu | sysemu peak RSS | min-max ms: native / qemu / sysemu |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const { row, rounds, series: s } of results) {
    const cell = (x: Series) => (x.medianMs === null && x.note ? `failed` : fmtMs(x.medianMs));
    const range = COLUMNS.map((c) => fmtRange(s[c])).join(' / ');
    lines.push(`| ${row.id} ${row.name}${rounds === defaultRounds ? '' : ` (${rounds} round${rounds > 1 ? 's' : ''})`} | ${cell(s.native)} | ${cell(s.qemu)} | ${cell(s.sysemu)} | ` +
      `${fmtRatio(s.sysemu.medianMs, s.native.medianMs)} | ${fmtRatio(s.sysemu.medianMs, s.qemu.medianMs)} | ` +
      `${fmtMiB(s.sysemu.peakRssKiB)} | ${range} |`);
  }
  return lines;
}

/** Notes under the table: failed or skipped cells, with the reason. */
function noteLines(results: RowResult[]): string[] {
  const out: string[] = [];
  for (const { row, series } of results) {
    for (const c of COLUMNS) {
      const s = series[c];
      if (s.note) out.push(`- ${row.id} ${c}: ${s.failures ? `${s.failures} failed run(s), ` : ''}${s.note}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- goals

interface Goal {
  goal: string;
  measured: string;
  met: boolean | null;
}

function ratioGoal(results: RowResult[], id: string, limit: number, label: string): Goal {
  const r = results.find((x) => x.row.id === id);
  const s = r?.series.sysemu.medianMs ?? null;
  const q = r?.series.qemu.medianMs ?? null;
  const v = s !== null && q !== null ? s / q : null;
  return { goal: `(${id}) ${label}: sysemu <= ${limit}x qemu-user`, measured: v === null ? 'not measured' : `${v.toFixed(2)}x`, met: v === null ? null : v <= limit };
}

/**
 * The goals of issue 6 that the measurements can decide. Memory: sysemu's peak RSS on row e minus the guest's own
 * (its native peak RSS) minus an idle node (`node -e 0`): what the emulator adds on top of the guest's pages.
 */
function goals(results: RowResult[], nodeRef: Series | null, micro: { mod: MicroModule; results: MicroResult[] } | null): Goal[] {
  const out = [
    ratioGoal(results, 'a', 1.3, 'syscall round trip'),
    ratioGoal(results, 'b', 1.2, 'compute'),
    ratioGoal(results, 'e', 1.2, 'glibc compute'),
    ratioGoal(results, 'c', 1.0, 'fork+exit+wait4'),
  ];
  for (const id of ['f1', 'f2']) {
    const s = results.find((x) => x.row.id === id)?.series.sysemu.medianMs ?? null;
    const n = nodeRef?.medianMs ?? null;
    const v = s !== null && n !== null ? s / n : null;
    out.push({ goal: `(${id}) start-up: sysemu <= 1.5x \`node -e 0\``, measured: v === null ? 'not measured' : `${v.toFixed(2)}x (${fmtMs(s)} vs ${fmtMs(n)})`, met: v === null ? null : v <= 1.5 });
  }
  if (micro) {
    const g = micro.mod.pidGoal(micro.results);
    const goal = micro.mod.PID_PAIRS_GOAL / 1000;
    out.push({ goal: `(h, micro) allocPid+freePid at depth 32 > ${goal}k pairs/s`, measured: `${(g.value / 1000).toFixed(1)}k/s`, met: g.met });
  }
  const e = results.find((x) => x.row.id === 'e');
  const extra = e && nodeRef?.peakRssKiB && e.series.native.peakRssKiB && e.series.sysemu.peakRssKiB
    ? e.series.sysemu.peakRssKiB - e.series.native.peakRssKiB - nodeRef.peakRssKiB : null;
  out.push({ goal: '(e) sysemu memory beyond the guest\'s pages and idle node <= 8 MiB', measured: extra === null ? 'not measured' : fmtMiB(extra), met: extra === null ? null : extra <= 8192 });
  return out;
}

function goalLines(gs: Goal[]): string[] {
  return ['| goal of issue 6 | measured | met |', '| --- | --- | --- |',
    ...gs.map((g) => `| ${g.goal} | ${g.measured} | ${g.met === null ? '-' : g.met ? 'yes' : 'NO'} |`)];
}

// ---------------------------------------------------------------------------------------------- versions

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout.split('\n')[0] ?? '').trim() : 'unavailable';
}

/** The checked-out commit, and whether the work tree differs from it (the bundle is built from the tree). */
function sourceRevision(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown (not a git checkout)';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' });
  return `${head.stdout.trim()}${dirty.stdout.trim() ? ' + uncommitted changes' : ''}`;
}

function environment(haveQemu: boolean) {
  const v = spawnSync(process.execPath, [BUNDLE, '--version'], { encoding: 'utf8' }).stdout ?? '';
  const field = (name: string) => v.split('\n').find((l) => l.startsWith(name + ' '))?.slice(name.length + 1) ?? 'unknown';
  return {
    versions: { sysemu: field('sysemu'), unicorn: field('Unicorn'), koffi: field('koffi'), node: process.version,
      qemu: haveQemu ? firstLine(QEMU, ['--version']) : 'not installed' },
    machine: { nproc: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', kernel: release(),
      memGiB: Math.round(totalmem() / 2 ** 30), loadAvgAtStart: loadavg()[0]!, loadAvgAtEnd: NaN },
    source: sourceRevision(),
  };
}

// ---------------------------------------------------------------------------------------------- main

/** Runs one row: `rounds` rounds, each running every column once, the column order rotating per round. */
function runRow(runner: Runner, row: Row, rounds: number, haveQemu: boolean): RowResult {
  const samples: Record<Column, Sample[]> = { native: [], qemu: [], sysemu: [] };
  const cmds = Object.fromEntries(COLUMNS.map((c) => [c, runner.command(row, c, haveQemu)])) as Record<Column, string[] | null>;
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < COLUMNS.length; k++) {
      const col = COLUMNS[(k + r) % COLUMNS.length]!;
      const cmd = cmds[col];
      if (cmd === null) continue;
      const s = runner.measure(cmd, col === 'sysemu');
      samples[col].push(s);
      say(`${row.id.padEnd(2)} ${row.name.padEnd(28)} round ${r + 1}/${rounds} ${col.padEnd(6)} ${fmtMs(s.ms).padStart(8)} ` +
        `${fmtMiB(s.rssKiB).padStart(9)}${s.status === 0 ? '' : `  FAILED (exit ${s.status})`}`);
    }
  }
  const series = {} as Record<Column, Series>;
  for (const c of COLUMNS) {
    const skipped = cmds[c] === null ? 'qemu-x86_64 not available (install Debian qemu-user as root)' : undefined;
    series[c] = summarize(cmds[c], samples[c], skipped);
  }
  return { row, rounds, series };
}

/** `node -e 0`, the reference of the start-up goal, measured as many times as the f rows. */
function nodeReference(runner: Runner, rounds: number): Series {
  const cmd = [process.execPath, '-e', '0'];
  const samples: Sample[] = [];
  for (let r = 0; r < rounds; r++) {
    samples.push(runner.measure(cmd, false));
    say(`-- ${'node -e 0 (reference for f)'.padEnd(28)} round ${r + 1}/${rounds} ${'node'.padEnd(6)} ${fmtMs(samples[r]!.ms).padStart(8)}`);
  }
  return summarize(cmd, samples);
}

async function main(argv: string[]): Promise<number> {
  const opts = parseArgs(argv);
  const rows = selectedRows(opts.only);
  if (!buildAll()) {
    say('cannot build the guests or the bundle: no measurements');
    return 0;
  }
  const haveQemu = ensureTool('qemu-x86_64', 'qemu-user', () => onPath(QEMU));
  const haveTime = ensureTool(TIME, 'time', () => existsSync(TIME));
  if (!haveTime) say('peak RSS: sysemu only, from process.resourceUsage() in a preloaded hook');
  const env = environment(haveQemu);
  say(`Unicorn ${env.versions.unicorn}; ${env.machine.nproc} x ${env.machine.cpuModel}; ${env.versions.qemu}`);
  const runner = new Runner(haveTime);
  const results: RowResult[] = [];
  let nodeRef: Series | null = null;
  try {
    for (const row of rows) {
      if (row.id.startsWith('f') && nodeRef === null) nodeRef = nodeReference(runner, opts.rounds);
      results.push(runRow(runner, row, row.slow ? opts.slowRounds : opts.rounds, haveQemu));
    }
  } finally {
    runner.close();
  }
  const micro = opts.micro ? await runMicroSafely() : null;
  env.machine.loadAvgAtEnd = loadavg()[0]!;
  const out = [
    `sysemu ${env.versions.sysemu}, Unicorn ${env.versions.unicorn}, node ${env.versions.node}, ${env.versions.qemu}`,
    `machine: ${env.machine.nproc} x ${env.machine.cpuModel}, ${env.machine.memGiB} GiB, Linux ${env.machine.kernel}; ` +
      `1-min load average ${env.machine.loadAvgAtStart.toFixed(2)} at start, ${env.machine.loadAvgAtEnd.toFixed(2)} at end; ` +
      `rounds: ${opts.rounds} (slow rows ${opts.slowRounds}); source ${env.source}`,
    '', ...tableLines(results, opts.rounds),
  ];
  if (nodeRef) out.push('', `reference: \`node -e 0\` median ${fmtMs(nodeRef.medianMs)} (min-max ${fmtRange(nodeRef)} ms), peak RSS ${fmtMiB(nodeRef.peakRssKiB)}`);
  const notes = noteLines(results);
  if (notes.length) out.push('', 'notes:', ...notes);
  const gs = goals(results, nodeRef, micro);
  out.push('', ...goalLines(gs));
  if (micro) out.push('', micro.mod.formatMicro(micro.results));
  console.log(out.join('\n'));
  if (opts.json) writeJson(opts.json, { date: new Date().toISOString(), rounds: opts.rounds, slowRounds: opts.slowRounds, ...env, nodeStartup: nodeRef, rows: results.map(rowJson), goals: gs, micro: micro?.results ?? null });
  return 0;
}

async function runMicroSafely(): Promise<{ mod: MicroModule; results: MicroResult[] } | null> {
  say('micro-benchmarks (scripts/bench-micro.ts)');
  try {
    const mod = await import('./bench-micro.js');
    return { mod, results: await mod.runMicro() };
  } catch (e) {
    say(`micro-benchmarks failed: ${(e as Error).message}`);
    return null;
  }
}

function rowJson({ row, rounds, series }: RowResult) {
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? a / b : null);
  return {
    id: row.id, name: row.name, guest: `guest/build/bench/${row.guest}`, args: row.args, rounds, ...series,
    sysemuOverNative: ratio(series.sysemu.medianMs, series.native.medianMs),
    sysemuOverQemu: ratio(series.sysemu.medianMs, series.qemu.medianMs),
  };
}

function writeJson(path: string, data: unknown): void {
  writeFileSync(path, JSON.stringify(data, null, 2) + '\n');
  say(`wrote ${path}`);
}

process.exitCode = await main(process.argv.slice(2)).catch((e: unknown) => {
  say(`internal error: ${e instanceof Error ? e.stack : String(e)}`);
  return 0;
});
