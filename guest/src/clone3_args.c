/*
 * clone3_args: how clone3 copies and checks struct clone_args (spec 3.3,
 * 3.4, 9.2: T08-T53). Every child made here exits at once with status 0
 * (clone3_child_exit), except T08's, which reports its getpid through a pipe.
 * Runs as pid 1 of its namespace, as root.
 */
#include "clone3.h"
#include "tap.h"

#define F_GETFD 1
#define FD_CLOEXEC 1

static char *hole; /* a page boundary with nothing mapped after it */

/* clone3 must fail with err and create no child. */
static void expect_err(struct clone_args *a, size_t size, long err, const char *desc)
{
	long r = clone3_child_exit(a, size, NULL, 0, 0);

	if (r > 0)
		reap(r);
	tap_expect(r, err, "%s", desc);
}

/* clone3 must succeed with a child that exits 0. Returns the child's pid or -errno. */
static long expect_child(struct clone_args *a, size_t size, const char *desc)
{
	long r = clone3_child_exit(a, size, NULL, 0, 0);
	long status = r > 0 ? reap(r) : r;
	char detail[96];

	snprintf(detail, sizeof(detail), "got %ld (%s), wait status %ld, expected a pid and status 0",
		 r, tap_errname(r), status);
	tap_check(r > 0 && status == 0, detail, "%s", desc);
	return r;
}

/* Copies args into a larger buffer, so size can exceed sizeof(struct clone_args). */
static unsigned char *args_in(unsigned char *buf, size_t bufsize, uint64_t exit_signal)
{
	struct clone_args a;

	memset(buf, 0, bufsize);
	clone_args_init(&a, 0, exit_signal);
	memcpy(buf, &a, sizeof(a));
	return buf;
}

static void t08_child_sees_its_pid(void)
{
	struct clone_args a;
	int p[2];
	long r, seen = 0;

	sys_pipe(p);
	clone_args_init(&a, 0, G_SIGCHLD);
	r = clone3_raw(&a, CLONE_ARGS_SIZE_VER2);
	if (r == 0) {
		long me = sys_getpid();

		sys_write(p[1], &me, sizeof(me));
		sys_exit_group(0);
	}
	sys_read(p[0], &seen, sizeof(seen));
	tap_ok(r > 0, "T08 clone3(BA, 88) returns a pid");
	tap_expect(seen, r, "T08 the child's getpid equals the pid the parent got");
	tap_expect(reap(r), 0, "T08 the child exits 0");
	sys_close(p[0]);
	sys_close(p[1]);
}

static void sizes(void)
{
	static unsigned char buf[4096] __attribute__((aligned(8)));
	struct clone_args *a = (struct clone_args *)buf;

	args_in(buf, sizeof(buf), G_SIGCHLD);
	a->set_tid = 0x1234; /* invalid without set_tid_size: proves the field is not read */
	expect_child(a, 64, "T09 size 64 (VER0): set_tid, set_tid_size, cgroup read as 0");
	expect_err(a, 56, -E_INVAL, "T10 size 56 -> EINVAL");
	expect_err(a, 0, -E_INVAL, "T11 size 0 -> EINVAL");
	args_in(buf, sizeof(buf), G_SIGCHLD);
	expect_child(a, 96, "T12 size 96, bytes 88..95 zero -> success");
	buf[95] = 1;
	expect_err(a, 96, -E_2BIG, "T13 size 96, byte 95 = 1 -> E2BIG");
	buf[95] = 0;
	buf[96] = 1;
	expect_child(a, 96, "T14 size 96, byte 96 = 1 (not examined) -> success");
	expect_err(a, 104, -E_2BIG, "T15 size 104, byte 96 = 1 -> E2BIG");
	expect_err((struct clone_args *)hole, 4097, -E_2BIG,
		   "T16 size 4097 -> E2BIG before uargs is read (uargs unmapped)");
	buf[96] = 0;
	expect_child(a, 4096, "T17 size 4096, zero tail -> success");
}

static void bad_addresses(void)
{
	struct clone_args a;

	clone_args_init(&a, 0, G_SIGCHLD);
	expect_err(NULL, 88, -E_FAULT, "T18 uargs NULL -> EFAULT");
	expect_err((struct clone_args *)(hole - 40), 88, -E_FAULT,
		   "T19 uargs 40 bytes before an unmapped page -> EFAULT");
	memcpy(hole - 88, &a, 88);
	expect_err((struct clone_args *)(hole - 88), 96, -E_FAULT,
		   "T20 size 96, the 8-byte tail unmapped -> EFAULT");
}

static void exit_signals(void)
{
	static const struct { uint64_t sig; const char *desc; } bad[] = {
		{ 0xbadc0ded00000000ULL, "T21 exit_signal 0xbadc0ded00000000 -> EINVAL" },
		{ 0x80000000ULL, "T22 exit_signal 0x80000000 -> EINVAL" },
		{ 0x100, "T23 exit_signal 0x100 -> EINVAL" },
		{ 0xf0, "T24 exit_signal 0xf0 -> EINVAL" },
	};
	struct clone_args a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		clone_args_init(&a, 0, bad[i].sig);
		expect_err(&a, 88, -E_INVAL, bad[i].desc);
	}
	block_signal(64); /* the child's death sends us signal 64 */
	clone_args_init(&a, 0, 64);
	expect_child(&a, 88, "T25 exit_signal 64 -> success");
	clone_args_init(&a, 0, ~0ULL);
	expect_err(&a, 88, -E_INVAL, "T26 exit_signal ~0 -> EINVAL");
}

static void flags(void)
{
	static const struct { uint64_t flags; long err; const char *desc; } cases[] = {
		{ G_SIGCHLD, -E_INVAL, "T27 flags = SIGCHLD (0x11) -> EINVAL" },
		{ G_CLONE_DETACHED, -E_INVAL, "T28 flags = CLONE_DETACHED -> EINVAL" },
		{ 1ULL << 34, -E_INVAL, "T29 flags = 1<<34 -> EINVAL" },
		{ G_CLONE_NEWTIME, 0, "T30 flags = CLONE_NEWTIME -> success" },
		{ G_CLONE_SIGHAND | G_CLONE_CLEAR_SIGHAND, -E_INVAL,
		  "T31 flags = CLONE_SIGHAND|CLONE_CLEAR_SIGHAND -> EINVAL" },
	};
	struct clone_args a;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		clone_args_init(&a, cases[i].flags, G_SIGCHLD);
		if (cases[i].err)
			expect_err(&a, 88, cases[i].err, cases[i].desc);
		else
			expect_child(&a, 88, cases[i].desc);
	}
}

static void stacks(void)
{
	static const struct { uint64_t stack, size; long err; const char *desc; } cases[] = {
		{ 0, 4096, -E_INVAL, "T36 stack 0, stack_size 4096 -> EINVAL" },
		{ 0x10000, 0, -E_INVAL, "T37 stack 0x10000, stack_size 0 -> EINVAL" },
		{ 0x7fffffffe000ULL, 0x1000, 0,
		  "T38 stack 0x7fffffffe000, size 0x1000 (ends at TASK_SIZE_MAX) -> success" },
		{ 0x7fffffffe000ULL, 0x1001, -E_INVAL, "T39 stack 0x7fffffffe000, size 0x1001 -> EINVAL" },
		{ 0xffff800000000000ULL, 0x1000, -E_INVAL,
		  "T40 stack 0xffff800000000000, size 0x1000 -> EINVAL" },
	};
	struct clone_args a;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		clone_args_init(&a, 0, G_SIGCHLD);
		a.stack = cases[i].stack;
		a.stack_size = cases[i].size;
		if (cases[i].err)
			expect_err(&a, 88, cases[i].err, cases[i].desc);
		else
			expect_child(&a, 88, cases[i].desc);
	}
}

static void set_tid_parsing(void)
{
	static int tids[33] = { 5000 };
	struct clone_args a;

	clone_args_init(&a, 0, G_SIGCHLD);
	clone_args_set_tid(&a, tids, 33);
	expect_err(&a, 88, -E_INVAL, "T42 set_tid_size 33 -> EINVAL");
	clone_args_set_tid(&a, NULL, 1);
	expect_err(&a, 88, -E_INVAL, "T43 set_tid NULL, set_tid_size 1 -> EINVAL");
	clone_args_set_tid(&a, tids, 0);
	expect_err(&a, 88, -E_INVAL, "T44 set_tid valid, set_tid_size 0 -> EINVAL");
	clone_args_init(&a, 1ULL << 40, G_SIGCHLD);
	clone_args_set_tid(&a, (int *)hole, 1);
	expect_err(&a, 88, -E_FAULT, "T45 set_tid unmapped, flags 1<<40 -> EFAULT (copy before flag check)");
	clone_args_init(&a, 0, G_SIGCHLD);
	clone_args_set_tid(&a, tids, 1);
	expect_err(&a, 72, -E_INVAL, "T46 size 72, set_tid != 0 (set_tid_size read as 0) -> EINVAL");
}

static void cgroup(void)
{
	struct clone_args a;

	clone_args_init(&a, G_CLONE_INTO_CGROUP, G_SIGCHLD);
	expect_err(&a, 80, -E_INVAL, "T47 CLONE_INTO_CGROUP with size 80 -> EINVAL");
	a.cgroup = 0x80000000ULL;
	expect_err(&a, 88, -E_INVAL, "T48 CLONE_INTO_CGROUP, cgroup 0x80000000 -> EINVAL");
}

static void pidfd(void)
{
	struct clone_args a;
	int x = -1, y = -1;
	long r;

	clone_args_init(&a, G_CLONE_PIDFD | G_CLONE_PARENT_SETTID, G_SIGCHLD);
	a.pidfd = a.parent_tid = (uint64_t)(uintptr_t)&x;
	expect_err(&a, 88, -E_INVAL, "T49 CLONE_PIDFD|CLONE_PARENT_SETTID, pidfd == parent_tid -> EINVAL");
	a.parent_tid = (uint64_t)(uintptr_t)&y;
	r = expect_child(&a, 88, "T50 CLONE_PIDFD|CLONE_PARENT_SETTID, distinct addresses -> success");
	tap_expect(y, r, "T50 *parent_tid = the child's pid");
	tap_expect(x >= 3 ? sys3(NR_fcntl, x, F_GETFD, 0) : x, FD_CLOEXEC,
		   "T50 *pidfd is a new close-on-exec fd");
	sys_close(x);
}

/* A clone that fails after alloc_pid (pidfd EFAULT) still moved the cursor. */
static void t51_pidfd_efault(void)
{
	struct clone_args a;
	long first, next;

	clone_args_init(&a, 0, G_SIGCHLD);
	first = clone3_child_exit(&a, 88, NULL, 0, 0);
	reap(first);
	clone_args_init(&a, G_CLONE_PIDFD, G_SIGCHLD);
	a.pidfd = (uint64_t)(uintptr_t)hole;
	expect_err(&a, 88, -E_FAULT, "T51 CLONE_PIDFD with pidfd unmapped -> EFAULT");
	tap_expect(sys_wait4(-1, NULL, G_WNOHANG | G_WALL), -E_CHILD, "T51 no child was left behind");
	clone_args_init(&a, 0, G_SIGCHLD);
	next = clone3_child_exit(&a, 88, NULL, 0, 0);
	reap(next);
	tap_expect(next - first, 2, "T51 the next pid skips the number the failed clone used");
}

static void t53_settls(void)
{
	struct clone_args a;

	clone_args_init(&a, G_CLONE_SETTLS, G_SIGCHLD);
	a.tls = 0x800000000000ULL;
	expect_err(&a, 88, -E_PERM, "T53 CLONE_SETTLS, tls 0x800000000000 -> EPERM");
}

int main(void)
{
	hole = map_then_hole();
	tap_plan(46);
	t08_child_sees_its_pid();
	sizes();
	bad_addresses();
	exit_signals();
	flags();
	stacks();
	set_tid_parsing();
	cgroup();
	pidfd();
	t51_pidfd_efault();
	t53_settls();
	return tap_exit_code();
}
