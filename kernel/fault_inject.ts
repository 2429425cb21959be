/**
 * Deterministic fault injection for user copies, modelled on Linux's fail_usercopy (lib/fault-inject.c,
 * lib/fault-inject-usercopy.c) with sysemu's additions: site / syscall / task filters, a run-wide `nth`, and a
 * partial failure at a byte offset. Every random choice comes from a seeded PRNG (lib/prng.ts), so a run is
 * reproducible.
 *
 * State: a FaultAttr (owned by the kernel, one per run) holds the knobs and counters that Linux keeps in
 * debugfs; each Task holds Linux's per-task fail-nth and make-it-fail. With no FaultAttr and fail-nth 0 the check
 * costs two property reads.
 */
import type { Task } from './sched/task.js';
import { Prng } from './lib/prng.js';

/** Options for a FaultAttr; omitted knobs take Linux's debugfs defaults (and sysemu's neutral ones). */
export interface FaultAttrOptions {
  /** Percent 0..100; 0 disables the generic path (default 0). */
  probability?: number;
  /** Only every interval-th eligible check may fail (default 1). */
  interval?: number;
  /** Failures left; -1 = unlimited (default 1). */
  times?: number;
  /** Checks that pass before failures may start: each check passes and takes 1 while space > 1 (default 0). */
  space?: number;
  /** 0 silent, 1 one line per failure, 2 adds the site (default 2; lines go to `log` when set). */
  verbose?: number;
  /** Only tasks with makeItFail set may fail (debugfs task-filter; default false). */
  taskFilter?: boolean;
  /** sysemu: glob over call-site names (`*`, `?`; alternatives split by `|`), e.g. `clone3:*`. */
  site?: string | null;
  /** sysemu: only checks made inside this syscall (by name). */
  syscall?: string | null;
  /** sysemu: only checks made by the task with this global (root-namespace) tid. */
  taskId?: number | null;
  /** sysemu: run-wide fail-nth: the nth eligible check of the run fails (0 = off). Counts across all tasks. */
  nth?: number;
  /** sysemu: a failing copy first copies this many bytes, then faults (default 0: copy nothing, as Linux). */
  offset?: number;
  /** Hook get_user/put_user/clear_user too (spec 6.3 opt.failGetPutUser; default false, as mainline x86). */
  failGetPutUser?: boolean;
  /** PRNG seed (default 0). */
  seed?: number;
  /** Where verbose lines go; null drops them. */
  log?: ((line: string) => void) | null;
}

/** The syscall the kernel is running for task (Kernel.currentSyscall), or undefined (unit-test stand-ins). */
function runningSyscall(task: Task): string | undefined {
  const k = task.kernel as { currentSyscall?: string | null; currentSyscallTask?: Task | null };
  return k.currentSyscallTask === task ? (k.currentSyscall ?? undefined) : undefined;
}

/** The task's global (root-namespace) tid, or undefined before it has a Pid (unit tests). */
function globalTid(task: Task): number | undefined {
  return (task as { pid?: Task['pid'] }).pid?.nrAt(0);
}

/** The decision for one check: false (go on) or a failure that lets `offset` bytes through first. */
export type FaultDecision = false | { readonly offset: number };

/**
 * The fail_usercopy knobs and counters of one run. Fields are public so a /proc or debugfs model (and tests) can
 * read and set them as Linux's files do. Linux: struct fault_attr (include/linux/fault-inject.h).
 */
export class FaultAttr {
  probability: number;
  interval: number;
  times: number;
  space: number;
  verbose: number;
  taskFilter: boolean;
  syscall: string | null;
  taskId: number | null;
  nth: number;
  offset: number;
  failGetPutUser: boolean;
  log: ((line: string) => void) | null;
  /** Eligible checks seen by the interval test (Linux: attr->count). */
  count = 0;
  /** Failures injected so far (all paths). */
  failures = 0;
  private siteGlob: string | null = null;
  private siteRe: RegExp | null = null;
  private rng: Prng;

  constructor(o: FaultAttrOptions = {}) {
    this.probability = o.probability ?? 0;
    this.interval = o.interval ?? 1;
    this.times = o.times ?? 1;
    this.space = o.space ?? 0;
    this.verbose = o.verbose ?? 2;
    this.taskFilter = o.taskFilter ?? false;
    this.site = o.site ?? null;
    this.syscall = o.syscall ?? null;
    this.taskId = o.taskId ?? null;
    this.nth = o.nth ?? 0;
    this.offset = o.offset ?? 0;
    this.failGetPutUser = o.failGetPutUser ?? false;
    this.log = o.log ?? null;
    this.rng = new Prng(o.seed ?? 0);
  }

  /** The site glob, or null for every site. */
  get site(): string | null {
    return this.siteGlob;
  }

  set site(glob: string | null) {
    this.siteGlob = glob;
    this.siteRe = glob === null ? null : globToRegExp(glob);
  }

  /** Restarts the PRNG (a new run with the same seed repeats the same decisions). */
  reseed(seed: number): void {
    this.rng = new Prng(seed);
  }

  /** Whether a check at this site by this task is visible to the injector at all (sysemu filters). */
  matches(task: Task, site: string): boolean {
    if (this.siteRe !== null && !this.siteRe.test(site)) return false;
    if (this.taskId !== null && globalTid(task) !== this.taskId) return false;
    if (this.syscall !== null && (runningSyscall(task) ?? siteSyscall(site)) !== this.syscall) return false;
    return true;
  }

  /** Linux should_fail_ex() after the fail-nth step: steps 2-8 of spec 6.3. */
  generic(task: Task): boolean {
    if (this.probability === 0) return false;
    if (this.taskFilter && !task.makeItFail) return false;
    if (this.times === 0) return false;
    if (this.space > 1) {
      this.space -= 1;
      return false;
    }
    if (this.interval > 1) {
      this.count++;
      if (this.count % this.interval !== 0) return false;
    }
    return this.rng.below(100) < this.probability;
  }

  /** Step 9: report the failure per verbose, then use up one of `times` (never below 0; -1 stays). */
  recordFailure(task: Task, site: string, len: number): FaultDecision {
    this.failures++;
    if (this.verbose > 0 && this.log !== null) {
      this.log('FAULT_INJECTION: forcing a failure. name fail_usercopy, interval ' +
        `${this.interval}, probability ${this.probability}, space ${this.space}, times ${this.times}`);
      const tid = globalTid(task) ?? '?';
      if (this.verbose > 1) this.log(`  site ${site}, len ${len}, tid ${tid}, offset ${this.offset}`);
    }
    if (this.times > 0) this.times--;
    return { offset: this.offset };
  }
}

const NO_ATTR_FAILURE: FaultDecision = { offset: 0 };

/**
 * The FaultAttr of the task's kernel, or null. The kernel provides it as a `faultAttr: FaultAttr | null` field;
 * this is the only coupling between the injector and the Kernel class.
 */
export function faultAttrOf(task: Task): FaultAttr | null {
  return (task.kernel as unknown as { faultAttr?: FaultAttr | null }).faultAttr ?? null;
}

/**
 * Decides whether the current user-copy check fails. Order (spec 6.3): the task's fail-nth first (Linux semantics:
 * every check counts, filters ignored); then, with a FaultAttr, the sysemu filters (a check they reject is invisible:
 * it counts for nothing), the run-wide nth, then Linux's probability/task-filter/times/space/interval/random steps.
 * site names the call site, len is the copy size in bytes (for the log). Linux: should_fail_usercopy().
 */
export function shouldFailUsercopy(task: Task, site: string, len: number): FaultDecision {
  const attr = faultAttrOf(task);
  if (task.failNth === 0 && attr === null) return false;
  if (task.failNth > 0) {
    task.failNth--;
    if (task.failNth !== 0) return false;
    return attr === null ? NO_ATTR_FAILURE : attr.recordFailure(task, site, len);
  }
  if (attr === null || !attr.matches(task, site)) return false;
  if (attr.nth > 0) {
    attr.nth--;
    return attr.nth === 0 ? attr.recordFailure(task, site, len) : false;
  }
  return attr.generic(task) ? attr.recordFailure(task, site, len) : false;
}

/** The syscall part of a site name ("clone3" for "clone3:set_tid"): the fallback when the task does not say. */
function siteSyscall(site: string): string {
  const colon = site.indexOf(':');
  return colon < 0 ? site : site.slice(0, colon);
}

/** Turns a glob (`*` any run, `?` one character, `|` between alternatives) into an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  const alt = glob.split('|').map((g) =>
    g.replace(/[.+^${}()[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.'));
  return new RegExp(`^(?:${alt.join('|')})$`);
}

const KEYS = ['nth', 'probability', 'interval', 'times', 'space', 'verbose', 'task-filter', 'site', 'syscall',
  'task', 'offset', 'seed', 'getput'] as const;

/**
 * Parses the CLI form, e.g. "nth=3,site=clone3:*" or "probability=5,times=-1,seed=7", or Linux's boot-parameter
 * form "<interval>,<probability>,<space>,<times>". Keys: nth, probability, interval, times, space, verbose,
 * task-filter (Y/N), site, syscall, task (tid), offset, seed, getput (Y/N). Throws an Error naming the bad key or
 * value (this is user input to the emulator, not guest input). The returned attr has verbose 0 unless given.
 */
export function parseFailUsercopy(spec: string, log: ((line: string) => void) | null = null): FaultAttr {
  const items = spec.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 4 && items.every((s) => /^-?\d+$/.test(s))) {
    const [interval, probability, space, times] = items.map(Number);
    return new FaultAttr(checked({ interval, probability, space, times, verbose: 0, log }));
  }
  const o: FaultAttrOptions = { verbose: 0, log };
  const seen = new Set<string>();
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq < 0) throw new Error(`fail-usercopy: "${item}" is not key=value`);
    const key = item.slice(0, eq);
    if (!(KEYS as readonly string[]).includes(key)) {
      throw new Error(`fail-usercopy: unknown key "${key}" (known: ${KEYS.join(', ')})`);
    }
    if (seen.has(key)) throw new Error(`fail-usercopy: key "${key}" given twice`);
    seen.add(key);
    setOption(o, key as (typeof KEYS)[number], item.slice(eq + 1));
  }
  return new FaultAttr(checked(o));
}

function setOption(o: FaultAttrOptions, key: (typeof KEYS)[number], v: string): void {
  switch (key) {
    case 'site': o.site = nonEmpty(key, v); break;
    case 'syscall': o.syscall = nonEmpty(key, v); break;
    case 'task-filter': o.taskFilter = yesNo(key, v); break;
    case 'getput': o.failGetPutUser = yesNo(key, v); break;
    case 'task': o.taskId = int(key, v); break;
    case 'nth': o.nth = int(key, v); break;
    case 'probability': o.probability = int(key, v); break;
    case 'interval': o.interval = int(key, v); break;
    case 'times': o.times = int(key, v); break;
    case 'space': o.space = int(key, v); break;
    case 'verbose': o.verbose = int(key, v); break;
    case 'offset': o.offset = int(key, v); break;
    case 'seed': o.seed = int(key, v); break;
  }
}

/** Range checks shared by both forms. */
function checked(o: FaultAttrOptions): FaultAttrOptions {
  const bad = (k: string, rule: string): never => { throw new Error(`fail-usercopy: ${k} must be ${rule}`); };
  if (o.probability !== undefined && (o.probability < 0 || o.probability > 100)) bad('probability', '0..100');
  if (o.interval !== undefined && o.interval < 1) bad('interval', '>= 1');
  if (o.times !== undefined && o.times < -1) bad('times', '>= -1');
  if (o.space !== undefined && o.space < 0) bad('space', '>= 0');
  if (o.verbose !== undefined && (o.verbose < 0 || o.verbose > 2)) bad('verbose', '0, 1 or 2');
  if (o.nth !== undefined && o.nth < 0) bad('nth', '>= 0');
  if (o.offset !== undefined && o.offset < 0) bad('offset', '>= 0');
  if (o.taskId !== undefined && o.taskId !== null && o.taskId < 1) bad('task', 'a tid >= 1');
  return o;
}

function int(key: string, v: string): number {
  if (!/^-?(\d+|0x[0-9a-f]+)$/i.test(v)) throw new Error(`fail-usercopy: ${key}=${v} is not an integer`);
  const n = v.startsWith('-') ? -Number(v.slice(1)) : Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`fail-usercopy: ${key}=${v} is out of range`);
  return n;
}

function yesNo(key: string, v: string): boolean {
  if (/^(y|yes|1)$/i.test(v)) return true;
  if (/^(n|no|0)$/i.test(v)) return false;
  throw new Error(`fail-usercopy: ${key}=${v} must be Y or N`);
}

function nonEmpty(key: string, v: string): string {
  if (v === '') throw new Error(`fail-usercopy: ${key} is empty`);
  return v;
}
