/**
 * Futex keys and wait queues: which waiters a FUTEX_WAKE reaches, in which order, and how a waiter leaves its
 * queue (woken, requeued, timed out). Linux: kernel/futex/core.c get_futex_key(), futex_queue(), futex_unqueue(),
 * and kernel/futex/waitwake.c futex_wake().
 *
 * Keys. A private futex (FUTEX_PRIVATE_FLAG) is keyed by (mm, address) and never touches memory to make its key.
 * A shared one is keyed by (mm, address, shared) too: Linux keys shared futexes in anonymous memory exactly so,
 * and sysemu has no shared file mappings or shared memory between address spaces, so no shared key can reach past
 * its mm. The shared bit keeps the two kinds apart, as Linux's FUT_OFF_MMSHARED offset bit does: a private wake
 * never wakes a shared waiter on the same word (the clear_child_tid wake at thread exit is shared).
 *
 * Order. Each key has a FIFO of waiters (Linux's hash-bucket plist, all tasks having one priority). A requeued
 * waiter goes to the tail of its new key's queue (Linux does so when the two keys hash to different buckets).
 *
 * Waiter states: queued -> woken (a wake took it off the queue: its wait returns 0) | timed out (its timer fired
 * while it was queued) | unqueued by its own task (timeout, retry, error). A waiter whose task has exited (killed
 * by exit_group while asleep) is dropped when a wake meets it and is not counted.
 */
import { Errno } from './uapi/errno.js';
import { MAP_ANONYMOUS, PROT_READ, PROT_WRITE, TASK_SIZE_MAX } from './uapi/mman.js';
import { FUTEX_BITSET_MATCH_ANY } from './uapi/futex.js';
import { WaitQueue } from './sched/wait_queue.js';
import { cancelTimer, type KernelTimer } from './sched/timers.js';
import type { MmStruct } from './mm/mm_struct.js';
import type { Task } from './sched/task.js';

/** A futex's identity: address space, user address (4-byte aligned) and whether it is shared. */
export interface FutexKey {
  readonly mm: MmStruct;
  readonly addr: number;
  readonly shared: boolean;
}

/** One task sleeping in FUTEX_WAIT / FUTEX_WAIT_BITSET. Linux: struct futex_q. */
export class FutexWaiter {
  /** Set when a wake (or a requeue's wake part) took the waiter off its queue: the wait succeeded. */
  woken = false;
  /** Set when the timeout expired while the waiter was still queued. */
  timedOut = false;
  timer: KernelTimer | null = null;
  /** The task sleeps here alone, so only this waiter's wake or timer makes it runnable. */
  readonly sleep = new WaitQueue();

  constructor(
    readonly task: Task,
    public key: FutexKey,
    readonly bitset: number,
  ) {}
}

/** The waiters of one address space by key id, each list oldest first. Linux: the futex hash buckets. */
const hashes = new WeakMap<MmStruct, Map<number, FutexWaiter[]>>();

function keyId(key: FutexKey): number {
  return key.addr * 2 + (key.shared ? 1 : 0);
}

function chainOf(key: FutexKey, create: boolean): FutexWaiter[] | undefined {
  let hash = hashes.get(key.mm);
  if (!hash) {
    if (!create) return undefined;
    hashes.set(key.mm, (hash = new Map()));
  }
  let chain = hash.get(keyId(key));
  if (!chain && create) hash.set(keyId(key), (chain = []));
  return chain;
}

function dropChainIfEmpty(key: FutexKey, chain: FutexWaiter[]): void {
  if (chain.length === 0) hashes.get(key.mm)?.delete(keyId(key));
}

/** A shared key needs the page: readable memory, and writable unless a file backs it (Linux: GUP + anon rules). */
function sharedPageOk(mm: MmStruct, addr: number, write: boolean): boolean {
  const v = mm.vmas.find(addr);
  if (v === undefined || !(v.prot & (PROT_READ | PROT_WRITE))) return false;
  if (v.prot & PROT_WRITE) return true;
  // Read-only: Linux refuses anonymous pages (never writable, so never a useful futex); a file page would do.
  return !write && !(v.flags & MAP_ANONYMOUS) && v.name.startsWith('/');
}

/**
 * The key of the futex word at uaddr (a 64-bit user value). -EINVAL when uaddr is not 4-byte aligned; -EFAULT when
 * it is above TASK_SIZE_MAX (Linux 6.18 checks the start address only: valid_user_address()), or, for a shared
 * futex, when its page is unmapped, PROT_NONE, or read-only anonymous memory (or read-only at all for `write`).
 * Linux: kernel/futex/core.c get_futex_key().
 */
export function getFutexKey(task: Task, uaddr: bigint, shared: boolean, write = false): FutexKey | number {
  if (uaddr & 3n) return -Errno.EINVAL;
  if (uaddr > BigInt(TASK_SIZE_MAX)) return -Errno.EFAULT;
  const addr = Number(uaddr);
  if (shared && !sharedPageOk(task.mm, addr, write)) return -Errno.EFAULT;
  return { mm: task.mm, addr, shared };
}

/** Appends w to the tail of its key's queue. Linux: futex_queue(). */
export function queueWaiter(w: FutexWaiter): void {
  chainOf(w.key, true)!.push(w);
}

/** Takes w off its queue; true when it was still queued. Linux: futex_unqueue(). */
export function unqueueWaiter(w: FutexWaiter): boolean {
  const chain = chainOf(w.key, false);
  const i = chain ? chain.indexOf(w) : -1;
  if (i < 0) return false;
  chain!.splice(i, 1);
  dropChainIfEmpty(w.key, chain!);
  return true;
}

/** The live waiters queued on key, oldest first (a copy); waiters of exited tasks are dropped. */
export function waitersOf(key: FutexKey): FutexWaiter[] {
  const chain = chainOf(key, false);
  if (!chain) return [];
  for (let i = chain.length - 1; i >= 0; i--) if (chain[i].task.exited) chain.splice(i, 1);
  dropChainIfEmpty(key, chain);
  return [...chain];
}

/** Wakes one queued waiter: off the queue, marked woken, timer cancelled, its task runnable. Linux: futex_wake_mark(). */
export function wakeWaiter(w: FutexWaiter): void {
  unqueueWaiter(w);
  w.woken = true;
  cancelTimer(w.timer);
  w.timer = null;
  w.sleep.wakeAll();
}

/** Moves a queued waiter to key2 (tail of its queue); it stays asleep. Linux: requeue_futex(). */
export function requeueWaiter(w: FutexWaiter, key2: FutexKey): void {
  if (keyId(w.key) === keyId(key2) && w.key.mm === key2.mm) return;
  unqueueWaiter(w);
  w.key = key2;
  queueWaiter(w);
}

/**
 * Wakes up to nr waiters of key whose bitset shares a bit with bitset, oldest first; returns how many were woken.
 * nr <= 0 still wakes one, as Linux's loop tests the count after each wake.
 */
export function wakeKey(key: FutexKey, nr: number, bitset = FUTEX_BITSET_MATCH_ANY): number {
  let woken = 0;
  for (const w of waitersOf(key)) {
    if ((w.bitset & bitset) === 0) continue;
    wakeWaiter(w);
    if (++woken >= nr) break;
  }
  return woken;
}

/**
 * futex_wake of the futex at uaddr: the number woken, -EINVAL (bitset 0, unaligned), -EFAULT (see getFutexKey).
 * Linux: kernel/futex/waitwake.c futex_wake().
 */
export function futexWake(task: Task, uaddr: bigint, shared: boolean, nr: number, bitset: number): number {
  if (bitset === 0) return -Errno.EINVAL;
  const key = getFutexKey(task, uaddr, shared);
  if (typeof key === 'number') return key;
  return wakeKey(key, nr, bitset);
}

/**
 * The wake of clear_child_tid at thread exit: one waiter of the shared futex at addr; returns the number woken or
 * -errno (callers ignore it). Linux: kernel/fork.c mm_release() futex_wake(FLAGS_SHARED, 1).
 */
export function futexWakeClearTid(task: Task, addr: number, n = 1): number {
  return futexWake(task, BigInt(addr), true, n, FUTEX_BITSET_MATCH_ANY);
}
