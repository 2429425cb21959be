/**
 * Shared setup for the clone-family unit tests (spec 9.1-9.8): a booted harness with the root cursor placed, clone3
 * and clone_with_pids argument builders, child lookup, wait helpers and the leak check every failing case runs.
 * Everything goes through real syscall handlers (tests/helpers/kernel_harness.ts), never through kernel internals,
 * except where a vector's setup has no syscall in sysemu (ns_last_pid writes: setNsLastPid).
 */
import { expect } from 'vitest';
import { bootHarness, peek, peek32, poke, sys, sysn, u64s, i32s, SCRATCH, SCRATCH_SIZE, type Harness } from './kernel_harness.js';
import type { KernelOptions } from '../../kernel/kernel.js';
import { PT, newPtRegs, type PtRegName, type PtRegs } from '../../kernel/arch/x86/ptregs.js';
import { buildEntryFrame } from '../../kernel/arch/x86/entry.js';
import { NR } from '../../kernel/uapi/unistd_64.gen.js';
import { CLONE_ARGS, CLONE_ARGS_SIZE_VER2, type CloneArgsField } from '../../kernel/uapi/sched.js';
import { checkPidInvariants, findPidNs, nsOfPid, pidTask, PidType } from '../../kernel/pid.js';
import { setNsLastPid, type PidNamespace } from '../../kernel/pid_namespace.js';
import { findProcessByVpid } from '../../kernel/sys_ids.js';
import type { Task } from '../../kernel/sched/task.js';
import type { SyscallResult } from '../../kernel/sched/syscall_control.js';

export { peek, peek32, poke, sys, sysn, u64s, i32s, SCRATCH, SCRATCH_SIZE };
export type { Harness };

/** Scratch layout (bytes): struct clone_args, the set_tid / pids array, then words the kernel writes. */
export const ARGS = SCRATCH;
export const TIDS = SCRATCH + 0x200;
export const OUT = SCRATCH + 0x400;
/** A second output word, 64 bytes after OUT. */
export const OUT2 = OUT + 0x40;
/** The first address past the scratch area: its page is unmapped in every harness task. */
export const UNMAPPED = SCRATCH + SCRATCH_SIZE;

export const SIGCHLD = 17;
export const SIGKILL = 9;

/** clone3 fields by Linux name; omitted fields are 0. */
export type CloneArgsInit = Partial<Record<CloneArgsField, number | bigint>>;

/** Spec 9 "BA": flags 0, exit_signal 17, everything else 0. */
export const BA: CloneArgsInit = { exit_signal: SIGCHLD };

/** struct clone_args (88 bytes, little endian). */
export function cloneArgs(f: CloneArgsInit): Uint8Array {
  const words = new Array<number | bigint>(CLONE_ARGS_SIZE_VER2 / 8).fill(0);
  for (const [k, v] of Object.entries(f)) words[CLONE_ARGS[k as CloneArgsField] / 8] = v;
  return u64s(words);
}

/** Writes clone_args at `at` and runs clone3(at, size) in task. */
export function clone3(task: Task, f: CloneArgsInit = BA, size = CLONE_ARGS_SIZE_VER2, at = ARGS): SyscallResult {
  poke(task, at, cloneArgs(f));
  return sys(task, 'clone3', at, size);
}

/** clone3 that must return a number. */
export function clone3n(task: Task, f: CloneArgsInit = BA, size = CLONE_ARGS_SIZE_VER2, at = ARGS): number {
  const r = clone3(task, f, size, at);
  if (typeof r === 'object') throw new Error(`clone3 returned control ${r.kind}`);
  return Number(r);
}

/** clone3 with set_tid = tids (written at TIDS) and extra fields. */
export function clone3SetTid(task: Task, tids: number[], f: CloneArgsInit = BA): number {
  poke(task, TIDS, i32s(tids));
  return clone3n(task, { ...f, set_tid: TIDS, set_tid_size: tids.length });
}

/** Boots a harness; `cur` places the root namespace's cursor (cur(R) = n means ns_last_pid n - 1). */
export function boot(opts: Partial<Omit<KernelOptions, 'cpuFactory' | 'hostIo'>> & { cur?: number } = {}): Harness {
  const { cur, ...kopts } = opts;
  const h = bootHarness(kopts);
  if (cur !== undefined) setCur(h.kernel.rootPidNs, cur);
  return h;
}

/** Sets cur(ns) = n (the next automatic candidate), as a privileged write of n - 1 to ns_last_pid. */
export function setCur(ns: PidNamespace, n: number): void {
  const r = setNsLastPid(ns, n - 1, true);
  if (r !== 0) throw new Error(`setNsLastPid(${n - 1}) failed: ${r}`);
}

/** The process numbered nr in task's namespace (its thread-group leader); fails the test when there is none. */
export function proc(task: Task, nr: number): Task {
  const t = findProcessByVpid(task, nr);
  if (!t) throw new Error(`no process ${nr} in the namespace of ${task.comm}`);
  return t;
}

/** The thread numbered tid in task's namespace. */
export function thread(task: Task, tid: number): Task {
  const t = pidTask(findPidNs(tid, nsOfPid(task.pid)), PidType.PID);
  if (!t) throw new Error(`no thread ${tid}`);
  return t;
}

/** fork in task, returning the child Task (fails the test on an error). */
export function forkChild(task: Task): Task {
  const nr = sysn(task, 'fork');
  if (nr <= 0) throw new Error(`fork failed: ${nr}`);
  return proc(task, nr);
}

/** clone3 CLONE_NEWPID in task: the new namespace's init. */
export function newPidNsInit(task: Task, flags = 0x20000000n): Task {
  const nr = clone3n(task, { flags, exit_signal: SIGCHLD });
  if (nr <= 0) throw new Error(`clone3(CLONE_NEWPID) failed: ${nr}`);
  return proc(task, nr);
}

/** The task's numbers from the root namespace inwards (NSpid as seen from the root). */
export function nspid(task: Task): number[] {
  return task.pid.numbers.map((u) => u.nr);
}

/** exit_group(code) in task; the handler must report the exit control. */
export function exitGroup(task: Task, code: number): void {
  expect(sys(task, 'exit_group', code)).toEqual({ kind: 'exit' });
}

/** wait4(pid, OUT, options, 0) in task: the result and the status word written at OUT. */
export function wait4(task: Task, pid: number, options = 0): { r: SyscallResult; status: number } {
  poke(task, OUT, i32s([-1]));
  const r = sys(task, 'wait4', pid, OUT, options, 0);
  return { r, status: peek32(task, OUT) };
}

/** Every pid namespace reachable from live tasks (their own and their children's chains), root included. */
export function namespacesOf(h: Harness): Set<PidNamespace> {
  const out = new Set<PidNamespace>([h.kernel.rootPidNs]);
  for (const t of h.kernel.tasks) for (const ns of [...t.pid.ns.chain, ...t.pidNsForChildren.chain]) out.add(ns);
  return out;
}

/** What a failed call must leave as it was. */
export interface Snapshot {
  tasks: number;
  fds: number[];
  caller: Task;
}

export function snapshot(h: Harness, caller: Task = h.init): Snapshot {
  return { tasks: h.kernel.tasks.size, fds: caller.files.openFds(), caller };
}

/** The leak check after a failing case: pid invariants hold, no task was added, the caller's fds are unchanged. */
export function expectNoLeak(h: Harness, snap: Snapshot): void {
  expect(checkPidInvariants(namespacesOf(h))).toEqual([]);
  expect(h.kernel.tasks.size).toBe(snap.tasks);
  expect(snap.caller.files.openFds()).toEqual(snap.fds);
}

/** Runs call (in caller) and asserts it returns -errno and leaks nothing. */
export function expectFail(h: Harness, caller: Task, call: () => SyscallResult, errno: number): void {
  const snap = snapshot(h, caller);
  expect(call()).toBe(-errno);
  expectNoLeak(h, snap);
}

/**
 * Runs a syscall on a frame whose registers are `init` (unset ones 0), rip = 0x400000 (the syscall instruction)
 * and eflags 0x246; returns the result and the entry frame the handler saw (rip/rcx = 0x400002, r11 = eflags).
 */
export function sysFrame(
  task: Task,
  name: keyof typeof NR,
  args: (number | bigint)[],
  init: Partial<Record<PtRegName, bigint>> = {},
): { result: SyscallResult; frame: PtRegs } {
  const regs = newPtRegs();
  regs[PT.eflags] = 0x246n;
  regs[PT.rip] = 0x400000n;
  for (const [k, v] of Object.entries(init)) regs[PT[k as PtRegName]] = v;
  regs[PT.rax] = BigInt(NR[name]);
  const slots = [PT.rdi, PT.rsi, PT.rdx, PT.r10, PT.r8, PT.r9];
  args.forEach((v, i) => (regs[slots[i]!] = BigInt.asUintN(64, BigInt(v))));
  buildEntryFrame(regs);
  const frame = regs.slice();
  return { result: task.kernel.runSyscall(task, regs), frame };
}

/** An entry frame with a distinct value in every general register (to see which ones a child inherits). */
export function distinctRegs(): Partial<Record<PtRegName, bigint>> {
  const names: PtRegName[] = ['r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r9', 'r8', 'rdx', 'r10'];
  const out: Partial<Record<PtRegName, bigint>> = { rsp: 0x7ffffffde000n, fs_base: 0x7ffff7ff0000n };
  names.forEach((n, i) => (out[n] = 0x1111111100000000n + BigInt(i)));
  return out;
}
