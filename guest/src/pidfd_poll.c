/*
 * pidfd_poll: a pidfd from CLONE_PIDFD or pidfd_open can be polled and closed
 * later (spec 3.4 step 29, 7.4), and poll(2) on pipes. Checks:
 *   1. poll on the pidfd of a running child: 0 (timeout 0);
 *   2. poll(-1) wakes when the child exits: 1, revents POLLIN; waitid(P_PIDFD)
 *      collects status 5; after the reap the pidfd reports POLLIN|POLLHUP;
 *   3. close of the pidfd: 0;
 *   4. pidfd_open errors: pid 0 -> EINVAL, bad flags -> EINVAL, no such pid ->
 *      ESRCH; pidfd_open(own pid) gives a close-on-exec fd;
 *   5. pipes: empty read end times out (0), POLLIN after a write, POLLHUP after
 *      the writer closes; a closed fd reports POLLNVAL.
 */
#include <poll.h>
#include <string.h>
#include <time.h>
#include "sys.h"
#include "tap.h"
#include "clone3.h"

#define NR_pidfd_open 434
#define NR_poll 7
#define P_PIDFD 3

static long sys_poll(struct pollfd *fds, long n, long ms) { return sys3(NR_poll, (long)fds, n, ms); }

/* A child that sleeps 20 ms (so the parent's poll must wait), then exits with 5. */
static long spawn_sleeper(int *pidfd)
{
	struct clone_args a;
	clone_args_init(&a, G_CLONE_PIDFD, G_SIGCHLD);
	a.pidfd = (uint64_t)(uintptr_t)pidfd;
	long pid = clone3_raw(&a, CLONE_ARGS_SIZE_VER2);
	if (pid == 0) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		sys2(35, (long)&ts, 0);
		sys_exit_group(5);
	}
	return pid;
}

static void check_pidfd(void)
{
	int pidfd = -1;
	long pid = spawn_sleeper(&pidfd);
	tap_ok(pid > 0 && pidfd >= 3, "clone3(CLONE_PIDFD) made a child and a pidfd");
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	tap_expect(sys_poll(&p, 1, 0), 0, "poll(pidfd of a running child, timeout 0)");
	p.revents = 0;
	tap_expect(sys_poll(&p, 1, -1), 1, "poll(pidfd, -1) returns when the child exits");
	tap_expect_hex(p.revents, POLLIN, "revents is POLLIN");
	unsigned char info[128];
	memset(info, 0, sizeof(info));
	tap_expect(sys4(247, P_PIDFD, pidfd, (long)info, G_WEXITED), 0, "waitid(P_PIDFD) collects the child");
	int status;
	memcpy(&status, info + 24, 4);
	tap_expect(status, 5, "si_status is the exit code");
	p.revents = 0;
	tap_expect(sys_poll(&p, 1, 0), 1, "poll(pidfd of a reaped child)");
	tap_expect_hex(p.revents, POLLIN | POLLHUP, "revents is POLLIN|POLLHUP");
	tap_expect(sys_close(pidfd), 0, "close(pidfd)");
}

static void check_pidfd_open(void)
{
	tap_expect(sys2(NR_pidfd_open, 0, 0), -E_INVAL, "pidfd_open(0) -> EINVAL");
	tap_expect(sys2(NR_pidfd_open, sys_getpid(), 1), -E_INVAL, "pidfd_open(flags 1) -> EINVAL");
	tap_expect(sys2(NR_pidfd_open, 4000000, 0), -E_SRCH, "pidfd_open(no such pid) -> ESRCH");
	long fd = sys2(NR_pidfd_open, sys_getpid(), 0);
	tap_ok(fd >= 3, "pidfd_open(own pid) gives a descriptor");
	tap_expect(sys2(72, fd, 1), 1, "it is close-on-exec (F_GETFD)");
	struct pollfd p = { .fd = (int)fd, .events = POLLIN };
	tap_expect(sys_poll(&p, 1, 0), 0, "poll(own pidfd) -> 0 while running");
	tap_expect(sys_close((int)fd), 0, "close it");
}

static void check_pipes(void)
{
	int fds[2];
	tap_expect(sys_pipe(fds), 0, "pipe");
	struct pollfd p = { .fd = fds[0], .events = POLLIN };
	tap_expect(sys_poll(&p, 1, 10), 0, "poll(empty pipe, 10 ms) times out");
	tap_expect(sys_write(fds[1], "x", 1), 1, "write one byte");
	tap_expect(sys_poll(&p, 1, -1), 1, "poll(pipe with data)");
	tap_expect_hex(p.revents, POLLIN, "revents is POLLIN");
	tap_expect(sys_close(fds[1]), 0, "close the write end");
	tap_expect(sys_poll(&p, 1, -1), 1, "poll(pipe without writers)");
	tap_expect_hex(p.revents, POLLIN | POLLHUP, "revents is POLLIN|POLLHUP");
	sys_close(fds[0]);
	p.revents = 0;
	tap_expect(sys_poll(&p, 1, 0), 1, "poll(closed fd)");
	tap_expect_hex(p.revents, POLLNVAL, "revents is POLLNVAL");
}

int main(void)
{
	tap_plan(26);
	check_pidfd();
	check_pidfd_open();
	check_pipes();
	return tap_exit_code();
}
