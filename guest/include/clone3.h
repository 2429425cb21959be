/*
 * clone3.h - struct clone_args (uapi/linux/sched.h) and raw clone3 wrappers.
 *
 * clone3 is syscall 435: rdi = struct clone_args *, rsi = its size in bytes.
 * Sizes: CLONE_ARGS_SIZE_VER0 64 (up to tls), VER1 80 (+ set_tid,
 * set_tid_size), VER2 88 (+ cgroup). All fields are u64.
 */
#ifndef GUEST_CLONE3_H
#define GUEST_CLONE3_H

#include <stdint.h>
#include <string.h>
#include "sys.h"

struct clone_args {
	uint64_t flags;        /* CLONE_* bits */
	uint64_t pidfd;        /* int * that receives the pidfd (CLONE_PIDFD) */
	uint64_t child_tid;    /* int * in the child (CHILD_SETTID / CLEARTID) */
	uint64_t parent_tid;   /* int * in the parent (PARENT_SETTID) */
	uint64_t exit_signal;  /* signal to the parent at exit; 0 = none */
	uint64_t stack;        /* lowest byte of the child stack */
	uint64_t stack_size;   /* bytes; child rsp = stack + stack_size */
	uint64_t tls;          /* new fs_base (CLONE_SETTLS) */
	uint64_t set_tid;      /* pid_t[set_tid_size], innermost level first */
	uint64_t set_tid_size; /* entries, at most 32 */
	uint64_t cgroup;       /* cgroup2 dir fd (CLONE_INTO_CGROUP) */
};

#define CLONE_ARGS_SIZE_VER0 64
#define CLONE_ARGS_SIZE_VER1 80
#define CLONE_ARGS_SIZE_VER2 88

#define G_CLONE_NEWTIME 0x00000080ULL
#define G_CLONE_VM 0x00000100ULL
#define G_CLONE_FS 0x00000200ULL
#define G_CLONE_FILES 0x00000400ULL
#define G_CLONE_SIGHAND 0x00000800ULL
#define G_CLONE_PIDFD 0x00001000ULL
#define G_CLONE_VFORK 0x00004000ULL
#define G_CLONE_PARENT 0x00008000ULL
#define G_CLONE_THREAD 0x00010000ULL
#define G_CLONE_NEWNS 0x00020000ULL
#define G_CLONE_SETTLS 0x00080000ULL
#define G_CLONE_PARENT_SETTID 0x00100000ULL
#define G_CLONE_CHILD_CLEARTID 0x00200000ULL
#define G_CLONE_DETACHED 0x00400000ULL
#define G_CLONE_CHILD_SETTID 0x01000000ULL
#define G_CLONE_NEWPID 0x20000000ULL
#define G_CLONE_CLEAR_SIGHAND 0x100000000ULL
#define G_CLONE_INTO_CGROUP 0x200000000ULL

/* Zeroes *a and sets flags and exit_signal: the spec's base args "BA". */
static inline void clone_args_init(struct clone_args *a, uint64_t flags, uint64_t exit_signal)
{
	memset(a, 0, sizeof(*a));
	a->flags = flags;
	a->exit_signal = exit_signal;
}

/* Points set_tid at tids[0..n). tids[0] is the child's own (innermost) level. */
static inline void clone_args_set_tid(struct clone_args *a, const int *tids, uint64_t n)
{
	a->set_tid = (uint64_t)(uintptr_t)tids;
	a->set_tid_size = n;
}

/*
 * clone3 that returns twice like fork: the child gets 0 and goes on with a
 * copy of the caller's stack. Only for flags without CLONE_VM and no stack.
 * Returns the child's pid in the caller's namespace, or -errno.
 */
static inline long clone3_raw(struct clone_args *a, size_t size)
{
	return sys2(NR_clone3, (long)a, (long)size);
}

/*
 * clone3 whose child touches no stack: it stores val at addr (when addr is
 * not NULL), then calls exit_group(code). Safe with CLONE_VM, CLONE_VFORK,
 * a stack at an unmapped or odd address, or any tls. The parent gets the
 * child's pid or -errno.
 */
static inline long clone3_child_exit(struct clone_args *a, size_t size, int *addr, int val, int code)
{
	register long r8 __asm__("r8") = (long)addr;
	register long r9 __asm__("r9") = val;
	long ret;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 2f\n\t"
			 "test %%r8, %%r8\n\t"
			 "jz 1f\n\t"
			 "movl %%r9d, (%%r8)\n"
			 "1:\n\t"
			 "mov %%edx, %%edi\n\t"
			 "mov $231, %%eax\n\t"
			 "syscall\n\t"
			 "ud2\n"
			 "2:"
			 : "=a"(ret)
			 : "a"((long)NR_clone3), "D"(a), "S"(size), "d"(code), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* Waits for pid with __WALL; returns the wait status, or -errno (as a negative long). */
static inline long reap(long pid)
{
	int status = 0;
	long r = sys_wait4(pid, &status, G_WALL);

	return r < 0 ? r : status;
}

#endif
