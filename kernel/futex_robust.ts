/**
 * The robust-futex walk of a dying thread: every lock on the list that set_robust_list registered, and still owned
 * by the thread, gets FUTEX_OWNER_DIED and one waiter woken, so a robust mutex held by a dead thread does not
 * block the others forever. Runs at thread exit (and should at execve) before clear_child_tid is handled.
 * Linux: kernel/futex/core.c exit_robust_list(), fetch_robust_entry(), handle_futex_death().
 *
 * The list (user memory, x86-64): head = { next, futex_offset, list_op_pending }; each entry's first word points
 * to the next entry, the list ends when it comes back to the head; bit 0 of a pointer marks a PI futex. The lock
 * word of an entry is at entry + futex_offset. Any fault or an unaligned lock word ends the walk silently.
 */
import {
  FUTEX_BITSET_MATCH_ANY, FUTEX_OWNER_DIED, FUTEX_TID_MASK, FUTEX_WAITERS, ROBUST_LIST_HEAD, ROBUST_LIST_LIMIT,
} from './uapi/futex.js';
import { getUser32, getUser64, putUser32 } from './uaccess.js';
import { TASK_SIZE_MAX } from './uapi/mman.js';
import { futexWake } from './futex_core.js';
import { vnr } from './sys_ids.js';
import type { Task } from './sched/task.js';

/** A list pointer without its PI bit, and the bit; null on a fault. */
interface RobustEntry {
  readonly ptr: bigint;
  readonly pi: boolean;
}

/** A 64-bit user value as an address for uaccess (-1, which always faults, when past TASK_SIZE_MAX). */
function userAddr(v: bigint): number {
  return v <= BigInt(TASK_SIZE_MAX) ? Number(v) : -1;
}

/** Reads the pointer stored at addr. Linux: fetch_robust_entry(). */
function fetchRobustEntry(task: Task, addr: bigint, site: string): RobustEntry | null {
  const r = getUser64(task, userAddr(addr), site);
  if (r.err) return null;
  return { ptr: r.value & ~1n, pi: (r.value & 1n) === 1n };
}

/**
 * One lock word of the dying task: when its owner tid (low 30 bits) is the task's, stores
 * (word & FUTEX_WAITERS) | FUTEX_OWNER_DIED and, for a non-PI lock with waiters, wakes one shared waiter. A pending
 * (list_op_pending) non-PI lock with no owner only gets the wake. Returns false to stop the walk (unaligned word,
 * fault). Linux: handle_futex_death().
 */
function handleFutexDeath(task: Task, uaddr: bigint, pi: boolean, pendingOp: boolean): boolean {
  if (uaddr & 3n) return false;
  const addr = userAddr(uaddr);
  const word = getUser32(task, addr, 'robust_list:futex');
  if (word.err) return false;
  const owner = word.value & FUTEX_TID_MASK;
  if (pendingOp && !pi && owner === 0) {
    futexWake(task, uaddr, true, 1, FUTEX_BITSET_MATCH_ANY);
    return true;
  }
  if (owner !== vnr(task, task.pid)) return true;
  const mval = ((word.value & FUTEX_WAITERS) | FUTEX_OWNER_DIED) >>> 0;
  if (putUser32(task, addr, mval, 'robust_list:futex')) return false;
  if (!pi && word.value & FUTEX_WAITERS) futexWake(task, uaddr, true, 1, FUTEX_BITSET_MATCH_ANY);
  return true;
}

/**
 * Walks task's robust list (at most ROBUST_LIST_LIMIT entries, then the pending one) and releases the locks it
 * still owns. Does nothing when no list is registered. Linux: exit_robust_list().
 */
export function exitRobustList(task: Task): void {
  if (!task.robustListHead) return;
  const head = BigInt(task.robustListHead);
  let entry = fetchRobustEntry(task, head + BigInt(ROBUST_LIST_HEAD.next), 'robust_list:head');
  if (!entry) return;
  const off = getUser64(task, userAddr(head + BigInt(ROBUST_LIST_HEAD.futex_offset)), 'robust_list:futex_offset');
  if (off.err) return;
  const offset = BigInt.asIntN(64, off.value);
  const pending = fetchRobustEntry(task, head + BigInt(ROBUST_LIST_HEAD.list_op_pending), 'robust_list:pending');
  if (!pending) return;
  for (let limit = ROBUST_LIST_LIMIT; entry.ptr !== head; ) {
    const next = fetchRobustEntry(task, entry.ptr, 'robust_list:next');
    if (entry.ptr !== pending.ptr && !handleFutexDeath(task, BigInt.asUintN(64, entry.ptr + offset), entry.pi, false)) return;
    if (!next) return;
    entry = next;
    if (--limit === 0) break;
  }
  if (pending.ptr) handleFutexDeath(task, BigInt.asUintN(64, pending.ptr + offset), pending.pi, true);
}
