/**
 * Benchmark of the fault sweep: sweeps a guest whose run makes at least 100 user copies and prints the reruns per
 * second (goal: 50 or more on the reference machine). Usage:
 *   npx tsx scripts/bench-sweep.ts [--get-put] [ELF [ARGS...]]
 * Default guest: guest/build/fork_many-glibc (200 clone3 calls); the exit status is 1 when the run made fewer than
 * 100 copies (not a valid measurement) or when the sweep found a failure.
 */
import { join } from 'node:path';
import { sweep } from '../emu/sweep.js';

const ROOT = join(import.meta.dirname, '..');
const GOAL_PER_SECOND = 50;
const MIN_COPIES = 100;

function main(args: string[]): number {
  const getPut = args[0] === '--get-put';
  if (getPut) args = args.slice(1);
  const elf = args[0] ?? join(ROOT, 'guest', 'build', 'fork_many-glibc');
  const argv = args.length > 0 ? args.slice(1) : [];
  const t0 = performance.now();
  const report = sweep(elf, { argv: [elf, ...argv], envp: ['LANG=C'], getPut });
  const totalS = (performance.now() - t0) / 1000;
  const perSecond = report.rows.length / (report.rerunMs / 1000);
  console.log(`guest            ${elf} ${argv.join(' ')}`.trimEnd());
  console.log(`user copies      ${report.copies.length} at ${report.sites.length} sites (${report.sites.join(', ')})`);
  console.log(`reruns           ${report.rows.length} in ${(report.rerunMs / 1000).toFixed(2)} s (whole sweep ${totalS.toFixed(2)} s)`);
  console.log(`reruns/second    ${perSecond.toFixed(1)} (goal >= ${GOAL_PER_SECOND}: ${perSecond >= GOAL_PER_SECOND ? 'met' : 'NOT met'})`);
  console.log(`failures         ${report.failures}`);
  if (report.copies.length < MIN_COPIES) {
    console.error(`bench-sweep: only ${report.copies.length} copies; pick a guest with at least ${MIN_COPIES}`);
    return 1;
  }
  return report.ok ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
