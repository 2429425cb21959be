/**
 * Benchmark of the fault sweep: sweeps guests whose run makes at least 100 user copies and prints the reruns per
 * second of each (goal: 50 or more on the reference machine). A rerun costs one whole guest run on a fresh Machine,
 * so the figure is bounded by how long the guest takes: the sweep itself adds little (see the "plain runs/s" line,
 * the same guest run without the sweep). Usage:
 *   npx tsx scripts/bench-sweep.ts                  # the default cases below
 *   npx tsx scripts/bench-sweep.ts ELF [ARGS...]    # one guest of your choice
 * Exit status 1 when a case made fewer than 100 copies (no valid measurement) or its sweep found a failure.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { elfTarget, sweep } from '../emu/sweep.js';
import { FaultAttr } from '../kernel/fault_inject.js';

const ROOT = join(import.meta.dirname, '..');
const GOAL_PER_SECOND = 50;
const MIN_COPIES = 100;
const ENV = ['LANG=C'];

/** Guests with at least 100 user copies: a shell loop without forks (111 copies), and 35 clone3 children (128). */
const CASES: string[][] = [
  ['/bin/busybox', 'sh', '-c', 'i=0; while [ $i -lt 100 ]; do echo $i; i=$((i+1)); done'],
  [join(ROOT, 'guest', 'build', 'clone3_set_tid-musl')],
];

/** Runs per second of the guest alone (same options as the sweep's runs, no observer). */
function plainRate(elf: string, argv: string[], runs: number): number {
  const target = elfTarget(elf, { argv, envp: ENV });
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) target.run(new FaultAttr({ verbose: 0 }), () => {});
  return runs / ((performance.now() - t0) / 1000);
}

/** Sweeps one guest and prints its figures; returns false when the measurement is invalid or a check failed. */
function benchOne([elf, ...args]: string[]): boolean {
  const argv = [elf!, ...args];
  plainRate(elf!, argv, 3); // warm up the JIT and the engine library
  const report = sweep(elf!, { argv, envp: ENV });
  const perSecond = report.rows.length / (report.rerunMs / 1000);
  console.log(`guest            ${argv.join(' ')}`);
  console.log(`user copies      ${report.copies.length} at ${report.sites.length} sites`);
  const seconds = (report.rerunMs / 1000).toFixed(2);
  const verdict = perSecond >= GOAL_PER_SECOND ? 'met' : 'NOT met';
  console.log(`reruns           ${report.rows.length} in ${seconds} s, ${report.failures} failed`);
  console.log(`reruns/second    ${perSecond.toFixed(1)} (goal >= ${GOAL_PER_SECOND}: ${verdict})`);
  console.log(`plain runs/s     ${plainRate(elf!, argv, 20).toFixed(1)} (the guest alone, 20 runs)\n`);
  if (report.copies.length < MIN_COPIES) {
    console.error(`bench-sweep: only ${report.copies.length} copies (< ${MIN_COPIES})`);
  }
  return report.copies.length >= MIN_COPIES && report.ok;
}

function main(args: string[]): number {
  const cases = args.length > 0 ? [args] : CASES.filter((c) => existsSync(c[0]!));
  let ok = true;
  for (const c of cases) ok = benchOne(c) && ok;
  return ok ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
