/*
 * wait_status: what wait4 and waitid report (spec 7.1-7.3; T111-T119).
 * Exit codes 0, 1, 3, 255; death by SIGKILL sent with kill(2); ECHILD;
 * WNOHANG on a running child; option and idtype errors; which children
 * __WCLONE and __WALL select (exit_signal 0 vs SIGCHLD); siginfo contents.
 */
#include "clone3.h"
#include "tap.h"

#define CLD_EXITED 1
#define CLD_KILLED 2

/* The fields of x86-64 siginfo_t that waitid fills (128 bytes in all). */
struct wait_info {
	int32_t si_signo;  /* @0 */
	int32_t si_errno;  /* @4 */
	int32_t si_code;   /* @8 */
	int32_t pad;
	int32_t si_pid;    /* @16 */
	int32_t si_uid;    /* @20 */
	int32_t si_status; /* @24 */
	unsigned char rest[100];
};

/* A child that exits at once with code; exit_signal as given. */
static long quick_child(uint64_t exit_signal, int code)
{
	struct clone_args a;

	clone_args_init(&a, 0, exit_signal);
	return clone3_child_exit(&a, CLONE_ARGS_SIZE_VER2, NULL, 0, code);
}

static void exit_codes(void)
{
	static const int codes[] = { 0, 1, 3, 255 };

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		long pid = quick_child(G_SIGCHLD, codes[i]);
		int status = -1;
		long r = sys_wait4(-1, &status, 0);

		tap_expect(r, pid, "exit(%d): wait4(-1) returns the child's pid", codes[i]);
		tap_expect_hex(status, (unsigned)codes[i] << 8, "%sexit(%d): status 0x%04x",
			       codes[i] == 3 ? "T113 " : "", codes[i], codes[i] << 8);
	}
}

static void waitid_exited(void)
{
	struct wait_info info;
	long pid = quick_child(G_SIGCHLD, 3);

	memset(&info, 0xff, sizeof(info));
	tap_expect(sys_waitid(G_P_PID, pid, &info, G_WEXITED), 0, "waitid(P_PID, child, WEXITED) -> 0");
	tap_expect(info.si_signo, G_SIGCHLD, "waitid: si_signo = SIGCHLD");
	tap_expect(info.si_code, CLD_EXITED, "waitid: si_code = CLD_EXITED");
	tap_expect(info.si_pid, pid, "waitid: si_pid = the child's pid");
	tap_expect(info.si_status, 3, "waitid: si_status = 3");
}

/* A child blocked in read(2) on an empty pipe: running, not exited. */
static long blocked_child(int p[2])
{
	struct clone_args a;
	long pid;
	char c;

	sys_pipe(p);
	clone_args_init(&a, 0, G_SIGCHLD);
	pid = clone3_raw(&a, CLONE_ARGS_SIZE_VER2);
	if (pid == 0) {
		sys_read(p[0], &c, 1);
		sys_exit_group(0);
	}
	return pid;
}

static void running_child_killed(void)
{
	struct wait_info info;
	int p[2], status = -1;
	long pid = blocked_child(p);

	tap_expect(sys_wait4(-1, &status, G_WNOHANG), 0, "T115 wait4(-1, WNOHANG) on a running child -> 0");
	memset(&info, 0xff, sizeof(info));
	tap_expect(sys_waitid(G_P_ALL, 0, &info, G_WEXITED | G_WNOHANG), 0,
		   "T119 waitid(P_ALL, WEXITED|WNOHANG) on a running child -> 0");
	tap_check(info.si_signo == 0 && info.si_pid == 0 && info.si_status == 0 && info.si_code == 0,
		  "expected si_signo, si_code, si_pid, si_status all 0",
		  "T119 waitid WNOHANG zeroes si_signo, si_code, si_pid, si_status");
	tap_expect(sys_kill(pid, G_SIGKILL), 0, "kill(child, SIGKILL) -> 0");
	tap_expect(sys_wait4(pid, &status, 0), pid, "wait4(child) after SIGKILL returns its pid");
	tap_expect_hex(status, G_SIGKILL, "T114 killed by SIGKILL: status 0x0009");
	sys_close(p[0]);
	sys_close(p[1]);
}

static void killed_waitid(void)
{
	struct wait_info info;
	int p[2];
	long pid = blocked_child(p);

	sys_kill(pid, G_SIGKILL);
	memset(&info, 0xff, sizeof(info));
	tap_expect(sys_waitid(G_P_PID, pid, &info, G_WEXITED), 0, "waitid on a child killed by SIGKILL -> 0");
	tap_check(info.si_code == CLD_KILLED && info.si_status == G_SIGKILL, "expected CLD_KILLED, 9",
		  "waitid: si_code = CLD_KILLED, si_status = SIGKILL");
	sys_close(p[0]);
	sys_close(p[1]);
}

static void bad_options(void)
{
	struct wait_info info;
	int status;

	tap_expect(sys_wait4(-1, &status, G_WEXITED), -E_INVAL, "T116 wait4(-1, WEXITED) -> EINVAL");
	tap_expect(sys_waitid(G_P_ALL, 0, &info, 0), -E_INVAL, "T117 waitid(P_ALL, 0, options 0) -> EINVAL");
	tap_expect(sys_waitid(G_P_PID, 0, &info, G_WEXITED), -E_INVAL, "T118 waitid(P_PID, 0, WEXITED) -> EINVAL");
	tap_expect(sys_wait4(-2147483647L - 1, &status, 0), -E_SRCH, "wait4(INT_MIN) -> ESRCH");
}

/* exit_signal 0 children are "clone" children: only __WCLONE or __WALL see them. */
static void wclone_wall(void)
{
	int status = -1;
	long pid = quick_child(0, 5);

	tap_expect(sys_wait4(-1, &status, 0), -E_CHILD,
		   "T111 only child has exit_signal 0: wait4(-1, 0) -> ECHILD");
	tap_expect(sys_wait4(-1, &status, G_WCLONE), pid, "wait4(-1, __WCLONE) reaps the exit_signal 0 child");
	tap_expect_hex(status, 5 << 8, "__WCLONE: status 0x0500");
	pid = quick_child(0, 6);
	tap_expect(sys_wait4(-1, &status, G_WALL), pid, "T112 wait4(-1, __WALL) reaps the exit_signal 0 child");
	pid = quick_child(G_SIGCHLD, 7);
	tap_expect(sys_wait4(-1, &status, G_WCLONE | G_WNOHANG), -E_CHILD,
		   "wait4(-1, __WCLONE) does not see a SIGCHLD child -> ECHILD");
	tap_expect(sys_wait4(-1, &status, G_WALL), pid, "wait4(-1, __WALL) reaps the SIGCHLD child");
	tap_expect_hex(status, 7 << 8, "__WALL: status 0x0700");
}

int main(void)
{
	tap_plan(34);
	tap_expect(sys_wait4(-1, NULL, 0), -E_CHILD, "wait4(-1) with no children -> ECHILD");
	exit_codes();
	waitid_exited();
	running_child_killed();
	killed_waitid();
	bad_options();
	wclone_wall();
	tap_expect(sys_wait4(-1, NULL, G_WALL), -E_CHILD, "every child was reaped: wait4(-1, __WALL) -> ECHILD");
	return tap_exit_code();
}
