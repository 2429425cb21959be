/**
 * The fault sweep: run a guest once and list every user copy it makes (task, syscall, site, kind, length), then
 * rerun it once per listed copy with exactly that copy failed (FaultAttr {nth: k}, counted over the whole run),
 * and optionally again with the copy failing part-way (at chosen byte offsets). After every run it checks that
 * sysemu raised no exception, that the faulted syscall returned what Linux returns for a fault at that site, and
 * that the kernel's invariants hold (kernel/invariants.ts). Everything runs in this process, one fresh Machine
 * per run. Reruns rely on determinism: the same program, arguments, environment, seed and virtual clock make the
 * same copies in the same order, so copy k of the listing is copy k of every rerun (each rerun checks that).
 */
import { resolve } from 'node:path';
import { Machine, type MachineOptions, DeadlockError } from './machine.js';
import { loadProgram } from './run_program.js';
import { FaultAttr, globToRegExp } from '../kernel/fault_inject.js';
import { setUsercopyObserver, type UsercopyKind, type UsercopyObserver } from '../kernel/uaccess.js';
import { checkKernel, liveSnapshot } from '../kernel/invariants.js';
import { Errno } from '../kernel/uapi/errno.js';
import { isControl, type SyscallResult } from '../kernel/sched/syscall_control.js';
import type { HostFdKind, HostIo } from '../kernel/fs/host_io.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Pid } from '../kernel/pid.js';
import type { SyscallEvent } from '../kernel/trace/event.js';
import type { Task } from '../kernel/sched/task.js';

/** One user copy (fault-injection point) of the listing run. */
export interface UserCopy {
  /** 1-based position among every injection point of the run: the `nth` that fails exactly this copy. */
  nth: number;
  /** Root-namespace tid of the task whose memory is accessed (0 before it has a pid). */
  tid: number;
  /** The syscall being handled when the copy was made, or null outside any syscall. */
  syscall: string | null;
  /** Call-site name, e.g. `clone3:set_tid`. */
  site: string;
  kind: UsercopyKind;
  /** Bytes the copy asked for. */
  len: number;
  /** 1-based position among the copies at this site. */
  occurrence: number;
  /** Bytes copied at the same site earlier in the same syscall (the earlier buffers of a writev), for short counts. */
  prefix: number;
}

/**
 * What Linux returns from a syscall whose copy at a site faults:
 * 'efault'  -EFAULT (copy_struct_from_user, get_user/put_user callers, most copy_*_user callers);
 * 'short'   a count of at most the bytes that went through before the fault, or -EFAULT (read/write buffers: regular
 *           files give the exact prefix, pipes and ttys drop the partly copied page or chunk), and -EFAULT when
 *           nothing went through;
 * 'ignored' the call succeeds as if nothing happened (CLONE_PARENT_SETTID / CLONE_CHILD_SETTID / clear_child_tid
 *           writes, whose put_user result Linux does not check).
 */
export type Expectation = 'efault' | 'short' | 'ignored';

/** One line of the expectation table: a site glob (`*`, `?`, alternatives split by `|`) and its expectation. */
export interface ExpectRule {
  readonly site: string;
  readonly expect: Expectation;
}

/**
 * Linux's answers per site; the first matching rule wins. Linux: kernel/fork.c (the tid writes), kernel/exit.c and
 * kernel/futex/core.c exit_robust_list() (faults while exiting are ignored), fs/read_write.c, fs/pipe.c.
 */
export const LINUX_EXPECTATIONS: readonly ExpectRule[] = [
  { site: 'clone:parent_tid|clone:child_tid|exit:clear_child_tid|robust_list:*', expect: 'ignored' },
  { site: 'read:buf|write:buf|readv:buf|writev:buf|pread64:buf|pwrite64:buf|preadv*:buf|pwritev*:buf', expect: 'short' },
  { site: 'getrandom:*', expect: 'short' },
  { site: '*', expect: 'efault' },
];

/**
 * A sweep row's verdict: 'ok' when every check passed; 'hang' when the guest then blocked forever (every task left
 * asleep, as it would stay on Linux: e.g. a read of a pipe whose write faulted) and every other check passed, which
 * is not counted as a failure; 'fail' otherwise.
 */
export type Verdict = 'ok' | 'hang' | 'fail';

/** The outcome of one rerun. */
export interface SweepRow {
  nth: number;
  site: string;
  occurrence: number;
  tid: number;
  syscall: string | null;
  kind: UsercopyKind;
  len: number;
  /** Bytes let through before the injected fault (0 = the whole copy failed). */
  offset: number;
  expected: Expectation;
  /** The faulted syscall's result: a number, 'exit' / 'exec' for those controls, null when it never returned. */
  result: number | string | null;
  /** The guest's exit status as a shell reports it (128 + signal), null when it did not end. */
  exitStatus: number | null;
  verdict: Verdict;
  /** Why the verdict is not 'ok' (empty when ok). */
  messages: string[];
}

export interface SweepReport {
  /** The program's argv. */
  argv: string[];
  /** Every user copy of the listing run, in order. */
  copies: UserCopy[];
  /** Distinct sites of the listing run, in first-seen order. */
  sites: string[];
  /** The listing run (no fault): its exit status and invariant messages. */
  baseline: { exitStatus: number | null; messages: string[] };
  rows: SweepRow[];
  /** Rows whose verdict is 'fail', plus 1 when the baseline failed. */
  failures: number;
  ok: boolean;
  /** Wall time of the reruns only, milliseconds. */
  rerunMs: number;
}

/** Sweep options. */
export interface SweepOptions {
  /** Fault only copies at sites matching this glob (all copies are still listed). */
  site?: string;
  /** Also fail each from/to/str copy after this many bytes, for each offset with 0 < offset < len. */
  offsets?: readonly number[];
  /** At most this many reruns: the first copy of every site first, then the rest in order. */
  max?: number;
  /** Make get_user/put_user/clear_user injection points too (FaultAttr.failGetPutUser). */
  getPut?: boolean;
  /** Overrides LINUX_EXPECTATIONS. */
  expectations?: readonly ExpectRule[];
  /** Called once the plan is known (number of reruns). */
  onPlan?: (total: number) => void;
  /** Called after each rerun. */
  onRow?: (row: SweepRow, done: number, total: number) => void;
}

/** What a sweep needs to run a program once. */
export interface SweepTarget {
  readonly argv: string[];
  /** Runs the program to its end with this fault attribute and trace sink; never throws for guest or kernel errors. */
  run(faultAttr: FaultAttr, trace: (ev: SyscallEvent) => void): TargetRun;
}

/** The end of one run: the kernel (for the checks) and the exception that stopped it, if any. */
export interface TargetRun {
  readonly kernel: Kernel;
  readonly error: unknown;
}

/** sweep() options: the sweep's plus those of a run (argv, envp, seed, clone_with_pids number, ...). */
export interface ElfSweepOptions extends SweepOptions, Omit<MachineOptions, 'faultAttr' | 'trace'> {
  argv?: string[];
  envp?: string[];
}

/** The guest's standard streams during a sweep: output is dropped, input is empty, nothing is a tty. */
export const quietHostIo: HostIo = {
  write: (_fd, data) => data.length,
  read: () => 0,
  isatty: () => false,
  kind: (): HostFdKind => 'fifo',
  winsize: () => ({ rows: 24, cols: 80 }),
};

/**
 * A SweepTarget for a static ELF: parsed once, then booted on a fresh Machine per run (virtual clock by default,
 * so runs repeat). Throws LaunchError when the file is missing or not runnable.
 */
export function elfTarget(path: string, opts: ElfSweepOptions = {}): SweepTarget {
  const image = loadProgram(path);
  const argv = opts.argv ?? [path];
  const envp = opts.envp ?? Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ''}`);
  // What is left after the sweep's own options are the Machine's (seed, pidMax, cloneWithPidsNr, hostIo, ...).
  const { site: _s, offsets: _o, max: _m, getPut: _g, expectations: _e, onPlan: _p, onRow: _r, ...machineOpts } = opts;
  return {
    argv,
    run(faultAttr, trace) {
      const machine = new Machine({ clock: 'virtual', hostIo: quietHostIo, ...machineOpts, faultAttr, trace });
      try {
        const init = machine.kernel.boot({ image, argv, envp, execfn: path, exePath: resolve(path) });
        if (typeof init === 'number') {
          return { kernel: machine.kernel, error: new Error(`cannot map ${path} (errno ${-init})`) };
        }
        machine.run();
        return { kernel: machine.kernel, error: null };
      } catch (e) {
        return { kernel: machine.kernel, error: e };
      } finally {
        machine.close();
      }
    },
  };
}

/**
 * Sweeps the static ELF at path: see the file comment. Returns the report; throws only LaunchError (bad program
 * file). Example: `sweep('guest/build/hello-musl', { offsets: [1] })`.
 */
export function sweep(path: string, opts: ElfSweepOptions = {}): SweepReport {
  return sweepTarget(elfTarget(path, opts), opts);
}

/** Sweeps any SweepTarget (sweep() uses an ELF target; unit tests use kernels on fake CPUs). */
export function sweepTarget(target: SweepTarget, opts: SweepOptions = {}): SweepReport {
  const listing = listCopies(target, opts.getPut ?? false);
  const plan = planReruns(listing.copies, opts);
  opts.onPlan?.(plan.length);
  const rules = (opts.expectations ?? LINUX_EXPECTATIONS).map((r) => ({ re: globToRegExp(r.site), expect: r.expect }));
  const rows: SweepRow[] = [];
  const t0 = performance.now();
  for (const { copy, offset } of plan) {
    const expected = rules.find((r) => r.re.test(copy.site))?.expect ?? 'efault';
    const row = rerun(target, copy, offset, expected, opts.getPut ?? false);
    rows.push(row);
    opts.onRow?.(row, rows.length, plan.length);
  }
  const rerunMs = performance.now() - t0;
  const failures = rows.filter((r) => r.verdict === 'fail').length + (listing.baseline.messages.length > 0 ? 1 : 0);
  const sites = [...new Set(listing.copies.map((c) => c.site))];
  const { copies, baseline } = listing;
  return { argv: target.argv, copies, sites, baseline, rows, failures, ok: failures === 0, rerunMs };
}

/** The guest's exit status as a shell reports it, or null when its initial task has not exited. */
function exitStatusOf(kernel: Kernel): number | null {
  const status = kernel.initStatus;
  if (status === null) return null;
  const signal = status & 0x7f;
  return signal !== 0 ? 128 + signal : (status >> 8) & 0xff;
}

function tidOf(task: Task): number {
  return (task.pid as Pid | undefined)?.nrAt(0) ?? 0;
}

/** Runs target with `observer` installed (removed again even if the run throws). */
function observed(
  target: SweepTarget,
  attr: FaultAttr,
  observer: UsercopyObserver,
  trace: (ev: SyscallEvent) => void,
): TargetRun {
  const prev = setUsercopyObserver(observer);
  try {
    return target.run(attr, trace);
  } finally {
    setUsercopyObserver(prev);
  }
}

/** A FaultAttr that fails nothing unless nth > 0, silent. */
function sweepAttr(getPut: boolean, nth = 0, offset = 0): FaultAttr {
  return new FaultAttr({ nth, offset, failGetPutUser: getPut, verbose: 0 });
}

/** Records each copy of a run: its task, syscall, site, kind, length, per-site occurrence and same-syscall prefix. */
function copyRecorder(copies: UserCopy[]): UsercopyObserver {
  const perSite = new Map<string, number>();
  let syscallKey = -1;
  let prefixes = new Map<string, number>();
  return {
    onCopy(task, site, kind, len) {
      const k = task.kernel;
      // Copies of one syscall are contiguous (syscalls do not interleave), so its count identifies it.
      const key = k.currentSyscall === null ? -1 : k.syscallCount;
      if (key !== syscallKey || key === -1) {
        syscallKey = key;
        prefixes = new Map();
      }
      const prefix = prefixes.get(site) ?? 0;
      prefixes.set(site, prefix + len);
      const occurrence = (perSite.get(site) ?? 0) + 1;
      perSite.set(site, occurrence);
      const nth = copies.length + 1;
      copies.push({ nth, tid: tidOf(task), syscall: k.currentSyscall, site, kind, len, occurrence, prefix });
    },
  };
}

/** The listing run: every copy, and the invariant checks of a run without faults. */
function listCopies(target: SweepTarget, getPut: boolean): { copies: UserCopy[]; baseline: SweepReport['baseline'] } {
  const copies: UserCopy[] = [];
  const before = liveSnapshot();
  const run = observed(target, sweepAttr(getPut), copyRecorder(copies), () => {});
  return { copies, baseline: { exitStatus: exitStatusOf(run.kernel), messages: runMessages(run, before) } };
}

/**
 * Exception, deadlock and invariant messages of a finished run. A run that did not end gets the structural checks
 * only (tasks may rightly be alive); after an exception they may also show what the kernel was left holding.
 */
function runMessages(run: TargetRun, before: ReturnType<typeof liveSnapshot>): string[] {
  const e = run.error;
  if (e == null) return checkKernel(run.kernel, { afterExit: before });
  if (e instanceof DeadlockError) return [`deadlock: ${e.message}`, ...checkKernel(run.kernel)];
  const where = e instanceof Error ? (e.stack?.split('\n')[1]?.trim() ?? '') : '';
  const what = `emulator exception: ${e instanceof Error ? e.message : String(e)}${where ? ` (${where})` : ''}`;
  return [what, ...checkKernel(run.kernel)];
}

/** The reruns to make: each selected copy whole, then at each partial offset; capped by max. */
function planReruns(copies: readonly UserCopy[], opts: SweepOptions): Array<{ copy: UserCopy; offset: number }> {
  const re = opts.site === undefined ? null : globToRegExp(opts.site);
  const plan: Array<{ copy: UserCopy; offset: number }> = [];
  for (const copy of copies) {
    if (re !== null && !re.test(copy.site)) continue;
    plan.push({ copy, offset: 0 });
    if (copy.kind !== 'from' && copy.kind !== 'to' && copy.kind !== 'str') continue;
    const offsets = [...new Set(opts.offsets ?? [])].filter((o) => o > 0 && o < copy.len).sort((a, b) => a - b);
    for (const offset of offsets) plan.push({ copy, offset });
  }
  if (opts.max === undefined || plan.length <= opts.max) return plan;
  // Keep every site's first whole failure before anything else, so a capped sweep still covers each site.
  const first = new Set<string>();
  const rank = plan.map((p) => (p.offset === 0 && !first.has(p.copy.site) && first.add(p.copy.site) ? 0 : 1));
  const keep = plan.map((_, i) => i).sort((a, b) => rank[a]! - rank[b]! || a - b).slice(0, opts.max);
  return keep.sort((a, b) => a - b).map((i) => plan[i]!);
}

/** What a rerun saw of its injected fault: the copy, the syscall it happened in, and that syscall's result. */
interface FaultWatch {
  site: string | null;
  len: number;
  task: Task | null;
  syscall: string | null;
  result: SyscallResult | undefined;
}

/** An observer noting the injected copy, and a trace sink catching the result of the syscall it happened in. */
function faultWatcher(w: FaultWatch): { observer: UsercopyObserver; trace: (ev: SyscallEvent) => void } {
  return {
    observer: {
      onCopy(task, site, _kind, len, injected) {
        if (!injected || w.site !== null) return;
        w.site = site;
        w.len = len;
        w.task = task.kernel.currentSyscallTask;
        w.syscall = task.kernel.currentSyscall;
      },
    },
    // The faulted syscall's completion is the next event of the task that ran it (a block is not an event).
    trace(ev) {
      if (w.task !== null && w.result === undefined && ev.task === w.task) w.result = ev.result;
    },
  };
}

/** A result as the report shows it: a number (bigints when safe), 'exit' / 'exec', or null for none. */
function shownResult(r: SyscallResult | undefined): number | string | null {
  if (r === undefined) return null;
  if (typeof r === 'number') return r;
  if (typeof r === 'bigint') return Number.isSafeInteger(Number(r)) ? Number(r) : `0x${BigInt.asUintN(64, r).toString(16)}`;
  if (r.kind === 'yield') return shownResult(r.result);
  return r.kind === 'block' ? null : r.kind;
}

/** Why the faulted syscall's result is not Linux's for this expectation, or null when it is. */
function resultMessage(exp: Expectation, copy: UserCopy, offset: number, w: FaultWatch): string | null {
  if (w.syscall === null) return null; // a copy outside any syscall has no result to check
  const shown = shownResult(w.result);
  if (shown === 'exit' && (w.syscall === 'exit' || w.syscall === 'exit_group')) return null; // exits whatever faults
  if (shown === null) return `${w.syscall} never returned after the fault`;
  const v = typeof shown === 'number' ? shown : NaN;
  const name = `${w.syscall} returned ${shown}`;
  switch (exp) {
    case 'efault':
      return v === -Errno.EFAULT ? null : `${name}, Linux returns -EFAULT (${-Errno.EFAULT})`;
    case 'ignored':
      return v < 0 ? `${name}, Linux ignores a fault at ${copy.site} and succeeds` : null;
    case 'short': {
      const copied = copy.prefix + offset;
      if (v === -Errno.EFAULT || (copied > 0 && v > 0 && v <= copied)) return null;
      return copied === 0 ? `${name}, Linux returns -EFAULT (nothing was copied)` :
        `${name}, Linux returns at most the ${copied} byte(s) copied before the fault, or -EFAULT`;
    }
  }
}

/** Messages when the rerun's injected copy is not the listed one (the run was not deterministic). */
function divergence(copy: UserCopy, w: FaultWatch): string[] {
  if (w.site === null) return [`copy ${copy.nth} (${copy.site}) was never reached: the rerun diverged from the listing`];
  if (w.site !== copy.site || w.len !== copy.len || w.syscall !== copy.syscall) {
    return [`copy ${copy.nth} was ${w.site} (${w.len} bytes, in ${w.syscall}); the listing had ${copy.site} ` +
      `(${copy.len} bytes, in ${copy.syscall})`];
  }
  return [];
}

/** 'hang' when the deadlock message (runMessages puts it first) is the only one. */
function verdictOf(messages: readonly string[], deadlocked: boolean): Verdict {
  if (messages.length === 0) return 'ok';
  return deadlocked && messages.length === 1 ? 'hang' : 'fail';
}

/** One rerun with copy `copy.nth` failed after `offset` bytes, and its checks. */
function rerun(target: SweepTarget, copy: UserCopy, offset: number, expected: Expectation, getPut: boolean): SweepRow {
  const w: FaultWatch = { site: null, len: 0, task: null, syscall: null, result: undefined };
  const { observer, trace } = faultWatcher(w);
  const before = liveSnapshot();
  const run = observed(target, sweepAttr(getPut, copy.nth, offset), observer, trace);
  const messages = runMessages(run, before);
  if (run.error == null || run.error instanceof DeadlockError) {
    messages.push(...divergence(copy, w));
    const bad = w.site === null ? null : resultMessage(expected, copy, offset, w);
    if (bad !== null) messages.push(bad);
  }
  return {
    nth: copy.nth, site: copy.site, occurrence: copy.occurrence, tid: copy.tid, syscall: copy.syscall, kind: copy.kind,
    len: copy.len, offset, expected, result: shownResult(w.result), exitStatus: exitStatusOf(run.kernel),
    verdict: verdictOf(messages, run.error instanceof DeadlockError), messages,
  };
}
