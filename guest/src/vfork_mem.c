/*
 * vfork_mem: memory sharing of vfork and CLONE_VM children (spec 1.7, 3.4
 * step 37, 3.6). A vfork child runs in the parent's memory while the parent
 * is suspended, so what it wrote is there the moment vfork returns; a fork
 * child writes only its own copy.
 */
#define _GNU_SOURCE
#include <unistd.h>
#include "clone3.h"
#include "tap.h"

static volatile int shared;   /* written by children */
static volatile long seen[3]; /* the vfork child's getpid, getppid, gettid */

static void libc_vfork(void)
{
	int status = -1;
	long pid;

	shared = 0;
	pid = vfork();
	if (pid == 0) {
		seen[0] = sys_getpid();
		seen[1] = sys_getppid();
		seen[2] = sys_gettid();
		shared = 41;
		_exit(7);
	}
	/* The parent resumes only after the child's _exit: no wait needed to see its writes. */
	tap_expect(shared, 41, "vfork(): the child's write is visible when vfork returns");
	tap_expect(seen[0], pid, "vfork(): the child's getpid() = the returned pid");
	tap_expect(seen[1], sys_getpid(), "vfork(): the child's getppid() = the parent's getpid()");
	tap_expect(seen[2], pid, "vfork(): the child's gettid() = its pid");
	tap_expect(sys_wait4(pid, &status, 0), pid, "vfork(): wait4 reaps the child");
	tap_expect_hex(status, 7 << 8, "vfork(): _exit(7) gives status 0x0700");
}

/* A child that stores val into shared and exits with code, using no stack. */
static long store_child(uint64_t flags, int val, int code)
{
	struct clone_args a;

	clone_args_init(&a, flags, G_SIGCHLD);
	return clone3_child_exit(&a, CLONE_ARGS_SIZE_VER2, (int *)&shared, val, code);
}

static void clone3_vfork(void)
{
	long pid;

	shared = 0;
	pid = store_child(G_CLONE_VM | G_CLONE_VFORK, 42, 9);
	tap_expect(shared, 42, "clone3 CLONE_VM|CLONE_VFORK: the write is visible when clone3 returns");
	tap_expect_hex(reap(pid), 9 << 8, "clone3 CLONE_VM|CLONE_VFORK: status 0x0900");
}

static void clone3_vm(void)
{
	long pid;

	shared = 0;
	pid = store_child(G_CLONE_VM, 43, 0);
	tap_expect(reap(pid), 0, "clone3 CLONE_VM: the child exits 0");
	tap_expect(shared, 43, "clone3 CLONE_VM: the child's write is visible after it exits");
}

static void clone3_fork(void)
{
	long pid;

	shared = 1;
	pid = store_child(0, 44, 0);
	tap_expect(reap(pid), 0, "clone3 without CLONE_VM: the child exits 0");
	tap_expect(shared, 1, "clone3 without CLONE_VM: the child wrote its own copy only");
}

/* vfork(2) itself: the child stores 46 at addr and exits 11 without touching the stack. */
static long vfork_store_exit(volatile int *addr)
{
	register long r8 __asm__("r8") = (long)addr;
	long pid;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "movl $46, (%%r8)\n\t"
			 "mov $11, %%edi\n\t"
			 "mov $231, %%eax\n\t"
			 "syscall\n"
			 "1:"
			 : "=a"(pid)
			 : "a"((long)NR_vfork), "r"(r8)
			 : "rcx", "r11", "rdi", "memory");
	return pid;
}

static void raw_vfork(void)
{
	long pid;

	shared = 0;
	pid = vfork_store_exit(&shared);
	tap_expect(shared, 46, "vfork(2) syscall: the write is visible when vfork returns");
	tap_expect_hex(reap(pid), 11 << 8, "vfork(2) syscall: status 0x0b00");
}

int main(void)
{
	tap_plan(14);
	libc_vfork();
	clone3_vfork();
	raw_vfork();
	clone3_vm();
	clone3_fork();
	return tap_exit_code();
}
