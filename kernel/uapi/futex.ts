/** uapi <linux/futex.h>: futex(2) operations, flags, the robust-list lock word bits and limits. ABI data only. */
export const FUTEX_WAIT = 0;
export const FUTEX_WAKE = 1;
export const FUTEX_FD = 2;
export const FUTEX_REQUEUE = 3;
export const FUTEX_CMP_REQUEUE = 4;
export const FUTEX_WAKE_OP = 5;
export const FUTEX_LOCK_PI = 6;
export const FUTEX_UNLOCK_PI = 7;
export const FUTEX_TRYLOCK_PI = 8;
export const FUTEX_WAIT_BITSET = 9;
export const FUTEX_WAKE_BITSET = 10;
export const FUTEX_WAIT_REQUEUE_PI = 11;
export const FUTEX_CMP_REQUEUE_PI = 12;
export const FUTEX_LOCK_PI2 = 13;

export const FUTEX_PRIVATE_FLAG = 128;
export const FUTEX_CLOCK_REALTIME = 256;
export const FUTEX_CMD_MASK = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);

/** The bitset of FUTEX_WAIT / FUTEX_WAKE: matches every waiter. */
export const FUTEX_BITSET_MATCH_ANY = 0xffffffff;

/** FUTEX_WAKE_OP: the operation (bits 28-30), the shift flag (bit 31), the comparison (bits 24-27). */
export const FUTEX_OP_SET = 0;
export const FUTEX_OP_ADD = 1;
export const FUTEX_OP_OR = 2;
export const FUTEX_OP_ANDN = 3;
export const FUTEX_OP_XOR = 4;
export const FUTEX_OP_OPARG_SHIFT = 8;
export const FUTEX_OP_CMP_EQ = 0;
export const FUTEX_OP_CMP_NE = 1;
export const FUTEX_OP_CMP_LT = 2;
export const FUTEX_OP_CMP_LE = 3;
export const FUTEX_OP_CMP_GT = 4;
export const FUTEX_OP_CMP_GE = 5;

/** Robust futex lock word: waiters present, owner died, and the owner's tid in the low 30 bits. */
export const FUTEX_WAITERS = 0x80000000;
export const FUTEX_OWNER_DIED = 0x40000000;
export const FUTEX_TID_MASK = 0x3fffffff;

/** The most robust-list entries the exit walk visits (it stops there: lists may be circular). */
export const ROBUST_LIST_LIMIT = 2048;

/** struct robust_list_head on x86-64: list.next @0, futex_offset (long) @8, list_op_pending @16; 24 bytes. */
export const ROBUST_LIST_HEAD = { next: 0, futex_offset: 8, list_op_pending: 16, size: 24 } as const;

/** clock_nanosleep flags: the request is an absolute time. */
export const TIMER_ABSTIME = 1;
