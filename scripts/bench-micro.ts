/**
 * In-process micro-benchmarks of sysemu's hot paths (issue 6), with tinybench:
 *   - allocPid + freePid pairs per second in a pid namespace chain of depth 1, 8 and 32 (depth = the number of
 *     levels a new pid gets a number in: depth 1 is the root namespace alone, depth 32 is a namespace at level 31);
 *   - the kernel's syscall entry path: Kernel.runSyscall(getpid) on the kernel harness (FakeCpu, no engine);
 *   - the full engine round trip: guest/build/bench/getpid under the real Unicorn engine through runProgram,
 *     ns per syscall = (time with N calls - time with 0 calls) / N, so program start-up cancels out.
 * Usage: npx tsx scripts/bench-micro.ts [--json FILE]. scripts/bench.ts runs it after its table.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { allocPid, freePid, type Pid } from '../kernel/pid.js';
import { createPidNamespace, createRootPidNamespace, type PidNamespace } from '../kernel/pid_namespace.js';
import { PT, newPtRegs } from '../kernel/arch/x86/ptregs.js';
import { buildEntryFrame } from '../kernel/arch/x86/entry.js';
import { NR } from '../kernel/uapi/unistd_64.gen.js';
import { bootHarness } from '../tests/helpers/kernel_harness.js';

const ROOT = join(import.meta.dirname, '..');
const GETPID_GUEST = join(ROOT, 'guest', 'build', 'bench', 'getpid');
/** allocPid + freePid pairs per tinybench sample (a sample of one pair would mostly time the clock). */
const PAIRS_PER_SAMPLE = 1000;
/** runSyscall calls per tinybench sample. */
const SYSCALLS_PER_SAMPLE = 10_000;
/** getpid calls of the in-engine guest loop. */
const ENGINE_CALLS = 200_000;
/** Goal of issue 6 for allocPid + freePid at depth 32, pairs per second. */
export const PID_PAIRS_GOAL = 100_000;

/** One result line: what was measured, its rate or cost, and the unit. */
export interface MicroResult {
  name: string;
  /** Operations per second (median sample). */
  opsPerSecond: number;
  /** Nanoseconds per operation (median sample). */
  nsPerOp: number;
  samples: number;
  note?: string;
}

const allCapable = { capable: () => true };

/**
 * A chain of `depth` namespaces (root at level 0) where each level already holds its pid 1, so freeing the
 * benchmark's pids never empties a namespace (which would stop it accepting new pids). Returns the innermost.
 */
function namespaceChain(depth: number): PidNamespace {
  let ns = createRootPidNamespace({ pidMax: 32768 });
  for (let level = 0; level < depth; level++) {
    if (level > 0) {
      const child = createPidNamespace(ns);
      if (typeof child === 'number') throw new Error(`createPidNamespace at level ${level}: ${child}`);
      ns = child;
    }
    const init = allocPid(ns, [], allCapable);
    if (typeof init === 'number') throw new Error(`allocPid of init at level ${level}: ${init}`);
  }
  return ns;
}

/** PAIRS_PER_SAMPLE allocPid + freePid pairs in ns. */
function pidPairs(ns: PidNamespace): () => void {
  return () => {
    for (let i = 0; i < PAIRS_PER_SAMPLE; i++) {
      const pid = allocPid(ns, [], allCapable) as Pid | number;
      if (typeof pid === 'number') throw new Error(`allocPid: ${pid}`);
      freePid(pid);
    }
  };
}

/** SYSCALLS_PER_SAMPLE getpid calls through Kernel.runSyscall on one prebuilt entry frame. */
function syscallEntry(): () => void {
  const { kernel, init } = bootHarness();
  const regs = newPtRegs();
  regs[PT.rax] = BigInt(NR.getpid);
  regs[PT.rip] = 0x400000n;
  buildEntryFrame(regs);
  return () => {
    for (let i = 0; i < SYSCALLS_PER_SAMPLE; i++) {
      if (kernel.runSyscall(init, regs) !== 1) throw new Error('getpid in the harness did not return 1');
    }
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The latency median (ms per sample) of a finished tinybench task. */
function sampleMs(bench: Bench, name: string): { ms: number; samples: number } {
  const r = bench.getTask(name)?.result;
  if (r === undefined || !('latency' in r)) {
    const err = r && 'error' in r ? `: ${r.error.message}` : '';
    throw new Error(`micro-benchmark ${name} did not complete${err}`);
  }
  return { ms: r.latency.p50, samples: r.latency.samplesCount };
}

function perOp(name: string, ms: number, ops: number, samples: number, note?: string): MicroResult {
  const ns = (ms * 1e6) / ops;
  return { name, opsPerSecond: 1e9 / ns, nsPerOp: ns, samples, note };
}

/** allocPid/freePid at each depth and the syscall entry path. */
async function kernelMicro(timeMs: number): Promise<MicroResult[]> {
  const bench = new Bench({ time: timeMs, warmupTime: Math.min(200, timeMs / 4) });
  const depths = [1, 8, 32];
  for (const d of depths) bench.add(`allocPid+freePid depth ${d}`, pidPairs(namespaceChain(d)));
  bench.add('Kernel.runSyscall(getpid)', syscallEntry());
  await bench.run();
  const out = depths.map((d) => {
    const name = `allocPid+freePid depth ${d}`;
    const { ms, samples } = sampleMs(bench, name);
    return perOp(name, ms, PAIRS_PER_SAMPLE, samples, 'pairs');
  });
  const { ms, samples } = sampleMs(bench, 'Kernel.runSyscall(getpid)');
  out.push(perOp('Kernel.runSyscall(getpid)', ms, SYSCALLS_PER_SAMPLE, samples, 'harness, no engine'));
  return out;
}

/** ns per getpid round trip through Unicorn, koffi and the kernel (start-up subtracted). */
async function engineRoundTrip(runs: number): Promise<MicroResult> {
  const { runProgram } = await import('../emu/run_program.js');
  const timeRun = (n: number): number => {
    const t0 = performance.now();
    const r = runProgram(GETPID_GUEST, { argv: [GETPID_GUEST, String(n)], envp: [] });
    const ms = performance.now() - t0;
    if (r.exitCode !== 0) throw new Error(`getpid guest exited with status ${r.status}`);
    return ms;
  };
  timeRun(1000); // warm the JIT and the engine library
  const full: number[] = [];
  const empty: number[] = [];
  for (let i = 0; i < runs; i++) {
    full.push(timeRun(ENGINE_CALLS));
    empty.push(timeRun(0));
  }
  const ms = median(full) - median(empty);
  return perOp('engine round trip (getpid guest)', ms, ENGINE_CALLS, runs, `${ENGINE_CALLS} calls, start-up subtracted`);
}

/** Runs every micro-benchmark; `quick` shortens the time per tinybench task. Prints nothing. */
export async function runMicro(opts: { quick?: boolean } = {}): Promise<MicroResult[]> {
  const results = await kernelMicro(opts.quick ? 300 : 1000);
  if (existsSync(GETPID_GUEST)) results.push(await engineRoundTrip(opts.quick ? 3 : 5));
  else results.push({ name: 'engine round trip (getpid guest)', opsPerSecond: NaN, nsPerOp: NaN, samples: 0, note: 'guest not built: run scripts/build-bench.sh' });
  return results;
}

function fmtRate(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M/s`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k/s`;
  return `${x.toFixed(0)} /s`;
}

/** The results as a markdown table. */
export function formatMicro(results: MicroResult[]): string {
  const lines = ['| micro-benchmark | rate | ns per op | samples | note |', '| --- | ---: | ---: | ---: | --- |'];
  for (const r of results) {
    const ns = Number.isFinite(r.nsPerOp) ? r.nsPerOp.toFixed(r.nsPerOp < 100 ? 1 : 0) : 'n/a';
    lines.push(`| ${r.name} | ${fmtRate(r.opsPerSecond)} | ${ns} | ${r.samples} | ${r.note ?? ''} |`);
  }
  return lines.join('\n');
}

/** The allocPid + freePid goal line of issue 6 (depth 32 above PID_PAIRS_GOAL pairs per second). */
export function pidGoal(results: MicroResult[]): { value: number; met: boolean } {
  const r = results.find((x) => x.name === 'allocPid+freePid depth 32');
  const value = r?.opsPerSecond ?? NaN;
  return { value, met: value > PID_PAIRS_GOAL };
}

async function main(args: string[]): Promise<number> {
  const jsonAt = args.indexOf('--json');
  const results = await runMicro({ quick: args.includes('--quick') });
  console.log(formatMicro(results));
  const goal = pidGoal(results);
  console.log(`\nallocPid+freePid at depth 32: ${fmtRate(goal.value)} (goal > ${PID_PAIRS_GOAL / 1000}k/s: ${goal.met ? 'met' : 'NOT met'})`);
  if (jsonAt >= 0 && args[jsonAt + 1]) writeFileSync(args[jsonAt + 1]!, JSON.stringify({ micro: results }, null, 2) + '\n');
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
