/*
 * clone_with_pids.h - the v11 clone_with_pids() ABI (Nov 2009, never merged).
 *
 *   long clone_with_pids(u32 flags_low, struct cwp_clone_args *cargs,
 *                        int args_size, pid_t *pids);
 *
 * Its x86-64 number in 2009 was 299, which is recvmmsg today, so sysemu
 * exposes it under a configurable number. The default here, 600, is past the
 * end of the x86-64 table: a real kernel answers -ENOSYS. Override with
 * -D__NR_clone_with_pids=N to match sysemu's option.
 */
#ifndef GUEST_CLONE_WITH_PIDS_H
#define GUEST_CLONE_WITH_PIDS_H

#include <stdint.h>
#include "sys.h"

#ifndef __NR_clone_with_pids
#define __NR_clone_with_pids 600
#endif

/* v11 struct clone_args, 56 bytes. Renamed here so it cannot clash with clone3's. */
struct cwp_clone_args {
	uint64_t clone_flags_high; /* must be 0 */
	uint64_t child_stack_base; /* child rsp = base + size; 0 = parent's rsp */
	uint64_t child_stack_size;
	uint64_t parent_tid_ptr;   /* int * for CLONE_PARENT_SETTID */
	uint64_t child_tid_ptr;    /* int * for CLONE_CHILD_SETTID / CLEARTID */
	uint32_t nr_pids;          /* entries in pids, <= caller level + 1 */
	uint32_t reserved0;        /* must be 0 */
	uint64_t reserved1;        /* must be 0 */
};

#define CWP_ARGS_SIZE 56

/* pids: outermost level first; pids[nr_pids - 1] is the caller's own level. 0 = automatic. */
static inline long clone_with_pids(uint32_t flags_low, struct cwp_clone_args *cargs,
				   int args_size, int *pids)
{
	return sys4(__NR_clone_with_pids, flags_low, (long)cargs, args_size, (long)pids);
}

#endif
