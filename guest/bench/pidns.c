/*
 * bench (h): pid allocation in a deep namespace. The guest builds a chain of
 * 8 nested pid namespaces (argv[2]): each level's init makes the next one
 * with clone3(CLONE_NEWPID). The innermost init forks and reaps N children
 * (argv[1], default 10,000) one at a time, so every fork allocates and frees
 * one pid at each of the 8 levels plus the guest's own ones.
 * qemu-user 7.2 has no clone3 (ENOSYS) and refuses CLONE_NEWPID in clone:
 * there each level uses unshare(CLONE_NEWPID) + fork, which it passes through.
 * Exit 0 when every init saw itself as pid 1 and every child exited 0.
 */
#include <stdlib.h>
#include "clone3.h"

enum { NR_unshare_ = 272 };

/* A child in a new pid namespace (fork-like: returns 0 in the child). */
static long fork_into_new_ns(void)
{
	struct clone_args a;
	long r;

	clone_args_init(&a, G_CLONE_NEWPID, G_SIGCHLD);
	r = clone3_raw(&a, CLONE_ARGS_SIZE_VER0);
	if (r != -E_NOSYS)
		return r;
	r = sys1(NR_unshare_, (long)G_CLONE_NEWPID);
	return r < 0 ? r : sys0(NR_fork);
}

/* Waits for pid; returns its exit code, or 3 when it did not exit normally. */
static int reap_code(long pid)
{
	int status = -1;

	if (sys_wait4(pid, &status, 0) != pid || (status & 0x7f) != 0)
		return 3;
	return (status >> 8) & 0xff;
}

/* Body of the innermost init: n fork + exit_group(0) + wait4. */
static int churn(long n)
{
	int bad = sys_getpid() != 1;

	for (long i = 0; i < n; i++) {
		long pid = sys0(NR_fork);

		if (pid == 0)
			sys_exit_group(0);
		if (pid < 0 || reap_code(pid) != 0)
			bad = 1;
	}
	return bad;
}

/* Makes `depth` more levels below the caller, then churns in the innermost. */
static int level(int depth, long n)
{
	long pid;

	if (depth == 0)
		return churn(n);
	pid = fork_into_new_ns();
	if (pid == 0)
		sys_exit_group(level(depth - 1, n) | (sys_getpid() != 1));
	if (pid < 0)
		return 4;
	return reap_code(pid);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000;
	int depth = argc > 2 ? atoi(argv[2]) : 8;

	return level(depth, n);
}
