/*
 * clone_with_pids: the v11 clone_with_pids() interface (Nov 2009, never
 * merged; spec 5 and 9.8, T132-T145). Only sysemu provides it, under the
 * number in clone_with_pids.h; on a real kernel that number is -ENOSYS and
 * the guest prints a TAP skip plan and exits 0.
 *
 * Differences from clone3 under test: exact args_size, pids outermost level
 * first with 0 = automatic, EBUSY for a number in use, the count checked
 * before the permission. The guest G is pid 1 of the root namespace (level
 * 0) in sysemu; the level-1 cases run in an init N of a new namespace.
 */
#include "clone_with_pids.h"
#include "spawn.h"

#define NR_geteuid 107
#define F_ROOT 6000 /* free numbers in the root namespace */
#define PID_MAX_ROOT 32768

static char *hole; /* a page boundary with nothing mapped after it */
static long view_pid; /* what the next child must see as getpid() */

static void check_pid(void)
{
	if (view_pid)
		tap_expect(sys_getpid(), view_pid, "  child: getpid() = %ld", view_pid);
}

/* clone_with_pids that returns twice; the child runs body and exits with its test count. */
static long cwp_spawn(uint32_t flags, struct cwp_clone_args *a, int *pids, void (*body)(void))
{
	long r = clone_with_pids(flags, a, CWP_ARGS_SIZE, pids);

	if (r == 0) {
		tap_child_begin();
		body();
		tap_child_exit();
	}
	return r;
}

/* Args with nr_pids set and everything else 0. */
static struct cwp_clone_args cwp_args(uint32_t nr_pids)
{
	struct cwp_clone_args a;

	memset(&a, 0, sizeof(a));
	a.nr_pids = nr_pids;
	return a;
}

/* The call must fail with err; a child made by mistake exits at once. */
static void cwp_err(struct cwp_clone_args a, int size, int *pids, long err, const char *desc)
{
	long r = clone_with_pids(G_SIGCHLD, &a, size, pids);

	if (r == 0)
		sys_exit_group(0);
	if (r > 0)
		reap(r);
	tap_expect(r, err, "%s", desc);
}

/* The call must return want (0: any pid); the child checks getpid() = child_pid (0: no check). */
static long cwp_ok(uint32_t flags, struct cwp_clone_args a, int *pids, long child_pid, long want,
		   const char *desc)
{
	long r;

	view_pid = child_pid;
	r = cwp_spawn(flags, &a, pids, check_pid);
	if (r > 0)
		tap_child_join(r, desc);
	if (want)
		tap_expect(r, want, "%s", desc);
	else
		tap_check(r > 0, "expected a pid", "%s", desc);
	return r;
}

static void args_checks(void)
{
	struct cwp_clone_args a = cwp_args(0);

	cwp_err(a, 48, NULL, -E_INVAL, "T132 args_size 48 -> EINVAL");
	cwp_err(a, 64, NULL, -E_INVAL, "args_size 64 -> EINVAL (exact size only)");
	tap_expect(clone_with_pids(G_SIGCHLD, (struct cwp_clone_args *)hole, CWP_ARGS_SIZE, NULL), -E_FAULT,
		   "T133 args_size 56, cargs unmapped -> EFAULT");
	a.reserved0 = 1;
	cwp_err(a, CWP_ARGS_SIZE, NULL, -E_INVAL, "T134 reserved0 = 1 -> EINVAL");
	a = cwp_args(0);
	a.clone_flags_high = 1;
	cwp_err(a, CWP_ARGS_SIZE, NULL, -E_INVAL, "T135 clone_flags_high = 1 -> EINVAL");
	a = cwp_args(0);
	a.reserved1 = 1;
	cwp_err(a, CWP_ARGS_SIZE, NULL, -E_INVAL, "reserved1 = 1 -> EINVAL (spec 5.2 step 3)");
}

static void root_level(void)
{
	int pids[2] = { F_ROOT, F_ROOT + 1 };

	cwp_err(cwp_args(2), CWP_ARGS_SIZE, pids, -E_INVAL, "T136 level 0, nr_pids 2 -> EINVAL");
	pids[0] = PID_MAX_ROOT;
	cwp_err(cwp_args(1), CWP_ARGS_SIZE, pids, -E_INVAL, "T144 pids {32768} (= pid_max) -> EINVAL");
	cwp_err(cwp_args(1), CWP_ARGS_SIZE, (int[]){ 1 }, -E_BUSY, "pids {1} (the guest) -> EBUSY");
	cwp_ok(G_SIGCHLD, cwp_args(1), (int[]){ F_ROOT }, F_ROOT, F_ROOT, "pids {6000} -> 6000");
	cwp_ok(G_SIGCHLD, cwp_args(0), (int *)hole, 0, 0,
	       "T145 nr_pids 0, pids unmapped -> success (pids not read)");
	cwp_ok(G_SIGCHLD | G_CLONE_NEWPID, cwp_args(1), (int[]){ F_ROOT + 2 }, 1, F_ROOT + 2,
	       "T143 NEWPID, pids {6002} -> 6002; the child is 1 in its namespace");
}

/* Runs as pid 1 of namespace A (level 1). */
static void level1(void)
{
	struct cwp_clone_args a = cwp_args(1);
	unsigned char info[128];
	long r;

	cwp_ok(G_SIGCHLD, cwp_args(1), (int[]){ 77 }, 77, 77, "T139 level 1, pids {77} -> 77");
	cwp_ok(G_SIGCHLD, cwp_args(2), (int[]){ 0, 77 }, 77, 77, "T140 level 1, pids {0, 77} -> 77");
	cwp_ok(G_SIGCHLD, cwp_args(2), (int[]){ F_ROOT + 10, 77 }, 77, 77,
	       "T141 level 1, pids {6010, 77} -> 77 (6010 in the root)");
	r = clone_with_pids(G_SIGCHLD, &a, CWP_ARGS_SIZE, (int[]){ 77 });
	if (r == 0)
		sys_exit_group(0);
	tap_expect(r > 0 ? sys_waitid(G_P_PID, r, info, G_WEXITED | G_WNOWAIT) : r, 0,
		   "a child 77 exits and stays a zombie");
	cwp_err(cwp_args(1), CWP_ARGS_SIZE, (int[]){ 77 }, -E_BUSY,
		"T142 level 1, pids {77} while 77 is used -> EBUSY");
	if (r > 0)
		reap(r);
	cwp_err(cwp_args(3), CWP_ARGS_SIZE, (int[]){ 1, 2, 3 }, -E_INVAL, "level 1, nr_pids 3 -> EINVAL");
}

/* Runs in a child that gave up root: uid 65534, no capabilities. */
static void unprivileged(void)
{
	int pids[2] = { F_ROOT + 3, F_ROOT + 4 };

	if (sys1(NR_setuid, 65534) != 0 || sys0(NR_geteuid) != 65534) {
		tap_skip("setuid(65534) not available", "T137 unprivileged, nr_pids 2 -> EINVAL");
		tap_skip("setuid(65534) not available", "T138 unprivileged, pids {6003} -> EPERM");
		tap_skip("setuid(65534) not available", "T144 unprivileged, pids {32768} -> EPERM");
		return;
	}
	cwp_err(cwp_args(2), CWP_ARGS_SIZE, pids, -E_INVAL,
		"T137 unprivileged, nr_pids 2 -> EINVAL (before EPERM)");
	cwp_err(cwp_args(1), CWP_ARGS_SIZE, pids, -E_PERM, "T138 unprivileged, pids {6003} -> EPERM");
	pids[0] = PID_MAX_ROOT;
	cwp_err(cwp_args(1), CWP_ARGS_SIZE, pids, -E_PERM, "T144 unprivileged, pids {32768} -> EPERM");
}

int main(void)
{
	long r = clone_with_pids(G_SIGCHLD, NULL, 0, NULL);

	if (r == -E_NOSYS) {
		tap_printf("TAP version 13\n1..0 # SKIP clone_with_pids not in this kernel\n");
		return 0;
	}
	hole = map_then_hole();
	tap_plan(27);
	tap_expect(r, -E_INVAL, "probe: args_size 0 -> EINVAL");
	args_checks();
	root_level();
	r = spawn_tap_flags(G_CLONE_NEWPID, level1);
	tap_child_join(r, "level 1");
	r = spawn_tap_flags(0, unprivileged);
	tap_child_join(r, "unprivileged");
	return tap_exit_code();
}
