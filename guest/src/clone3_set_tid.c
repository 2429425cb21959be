/*
 * clone3_set_tid: choosing pids with clone3's set_tid (spec 4.3, 4.4, 9.5:
 * T77, T78, T80-T88, T93, T94, T96, T97), and a zombie holding its number.
 *
 * The guest G is pid 1 of its namespace (level L: 1 natively, 0 in sysemu).
 * It builds namespaces nested 1, 2 and 3 deep below its own (N1, N2, N3,
 * each pid 1 of its namespace) and picks numbers at every level from G's
 * down; it never names a level above its own. Invalid numbers use 4194304,
 * which is >= pid_max everywhere (the root's 32768 in sysemu, 4194304 in a
 * fresh namespace on Linux 6.14+). "Too many entries" uses child depth + 3
 * entries (depth counted from G), more than both settings accept; depth + 2
 * would reach a level above G natively.
 *
 * Each child checks its own view (getpid, getppid) and prints those tests
 * itself; the parent reaps it first, then checks what clone3 returned.
 */
#include "spawn.h"

#define TOO_BIG 4194304
#define TIDS(...) (const int[]){ __VA_ARGS__ }, (int)(sizeof((int[]){ __VA_ARGS__ }) / sizeof(int))

/* What a child must see; the parent sets it before clone3 and the child gets a copy. */
struct view {
	long pid, ppid;  /* getpid() and getppid() in the child */
	const char *who; /* prefix of the child's test lines */
};

static struct view view;

static long spawn(uint64_t flags, const int *tids, int n, void (*body)(void))
{
	struct clone_args a;

	clone_args_init(&a, flags, G_SIGCHLD);
	clone_args_set_tid(&a, tids, n);
	return spawn_tap(&a, body);
}

/* clone3 with set_tid = tids must fail with err. */
static void tid_err(uint64_t flags, const int *tids, int n, long err, const char *desc)
{
	struct clone_args a;
	long r;

	clone_args_init(&a, flags, G_SIGCHLD);
	clone_args_set_tid(&a, tids, n);
	r = clone3_child_exit(&a, CLONE_ARGS_SIZE_VER2, NULL, 0, 0);
	if (r > 0)
		reap(r);
	tap_expect(r, err, "%s", desc);
}

static void check_view(void)
{
	tap_expect(sys_getpid(), view.pid, "%s: getpid() = %ld", view.who, view.pid);
	tap_expect(sys_getppid(), view.ppid, "%s: getppid() = %ld", view.who, view.ppid);
}

static void nothing(void)
{
}

/*
 * clone3 with set_tid = tids must succeed; the child runs body, which may
 * check its view v with check_view(). want = the pid clone3 must return
 * (0: any pid > 1). Returns clone3's result.
 */
static long tid_ok(uint64_t flags, const int *tids, int n, struct view v,
		   void (*body)(void), long want, const char *desc)
{
	long r;

	view = v;
	r = spawn(flags, tids, n, body);
	if (r > 0)
		tap_child_join(r, desc);
	if (want)
		tap_expect(r, want, "%s", desc);
	else
		tap_check(r > 1, "expected an automatic pid > 1", "%s", desc);
	return r;
}

/* Depth 3: pid 1 of N3; 7 in N2, 43 in N1, 5060 in G's namespace. */
static void depth3(void)
{
	check_view();
	tid_ok(0, TIDS(2, 9, 44, 5061), (struct view){ 2, 1, "depth 3 child" }, check_view, 2,
	       "depth 3: set_tid [2, 9, 44, 5061] picks a number at all 4 levels, returns 2");
	tid_err(0, TIDS(3, 10, 46, 5060), -E_EXIST,
		"depth 3: set_tid [3, 10, 46, 5060] -> EEXIST (5060 is N3 in G's namespace)");
	tid_err(0, TIDS(3, 10, 46, 5062, 1, 1), -E_INVAL,
		"depth 3: 6 entries (depth + 3) -> EINVAL");
}

/* Depth 2: pid 1 of N2; 42 in N1, 5050 in G's namespace. */
static void depth2(void)
{
	check_view();
	tid_err(0, TIDS(8, 42, 5071), -E_EXIST, "depth 2: set_tid [8, 42, 5071] -> EEXIST (42 is N2 in N1)");
	tid_err(0, TIDS(8, 45, 5050), -E_EXIST,
		"depth 2: set_tid [8, 45, 5050] -> EEXIST (5050 is N2 in G's namespace)");
	tid_ok(0, TIDS(8, 45, 5072), (struct view){ 8, 1, "" }, nothing, 8,
	       "depth 2: set_tid [8, 45, 5072] -> 8 (the failed calls released 8 and 45)");
	tid_err(0, TIDS(8, 45, 5073, 1, 1), -E_INVAL, "depth 2: 5 entries (depth + 3) -> EINVAL");
	tid_ok(G_CLONE_NEWPID, TIDS(1, 7, 43, 5060), (struct view){ 1, 0, "N3" }, depth3, 7,
	       "depth 2: NEWPID set_tid [1, 7, 43, 5060] -> 7 (N3)");
}

/* Depth 1: pid 1 of N1; 5030 in G's namespace. */
static void depth1(void)
{
	check_view();
	tid_ok(0, TIDS(2), (struct view){ 2, 1, "T93 child" }, check_view, 2, "T93 depth 1: set_tid [2] -> 2");
	tid_ok(0, TIDS(3, 5031), (struct view){ 3, 1, "depth 1 child" }, check_view, 3,
	       "depth 1: set_tid [3, 5031] -> 3");
	tid_err(0, TIDS(4, 5030), -E_EXIST, "depth 1: set_tid [4, 5030] -> EEXIST (5030 is N1 itself)");
	tid_ok(0, TIDS(4, 5032), (struct view){ 4, 1, "" }, nothing, 4,
	       "depth 1: set_tid [4, 5032] -> 4 (the failed call released 4)");
	tid_err(0, TIDS(5, TOO_BIG), -E_INVAL, "depth 1: set_tid [5, 4194304] -> EINVAL (outer entry >= pid_max)");
	/* Linux 6.18 checks and allocates level by level, inner first: EEXIST wins. */
	tid_err(0, TIDS(1, -1), -E_EXIST, "T97 depth 1: set_tid [1 (in use), -1] -> EEXIST");
	tid_err(0, TIDS(5, 5033, 1, 1), -E_INVAL, "depth 1: 4 entries (depth + 3) -> EINVAL");
	tid_err(G_CLONE_NEWPID, TIDS(1, -1, 5040), -E_INVAL, "T94 depth 1: NEWPID set_tid [1, -1, 5040] -> EINVAL");
	tid_err(G_CLONE_NEWPID, TIDS(1, 42, 5041, 1, 1), -E_INVAL,
		"depth 1: NEWPID with 5 entries (depth + 3) -> EINVAL");
	tid_ok(G_CLONE_NEWPID, TIDS(1, 42, 5050), (struct view){ 1, 0, "N2" }, depth2, 42,
	       "T96 depth 1: NEWPID set_tid [1, 42, 5050] -> 42 (N2)");
}

/* Own level: plain children of G. */
static void own_level(void)
{
	tid_err(0, TIDS(0), -E_INVAL, "T77 set_tid [0] -> EINVAL");
	tid_err(0, TIDS(-1), -E_INVAL, "T78 set_tid [-1] -> EINVAL");
	tid_err(0, TIDS(TOO_BIG), -E_INVAL, "T81 set_tid [4194304] (>= pid_max) -> EINVAL");
	tid_err(0, TIDS(1), -E_EXIST, "T80 set_tid [1] -> EEXIST (pid 1 is the guest)");
	tid_err(0, TIDS(5001, 5002, 5003), -E_INVAL, "set_tid with 3 entries (depth + 3) -> EINVAL");
	tid_ok(0, TIDS(32767), (struct view){ 32767, 1, "T82 child" }, check_view, 32767,
	       "T82 set_tid [32767] -> 32767");
	tid_ok(0, TIDS(5000), (struct view){ 5000, 1, "T83 child" }, check_view, 5000,
	       "T83 set_tid [5000] -> 5000");
}

/* A child with set_tid = tids that exits at once; returns its pid, not reaped. */
static long quick_child(const int *tids, int n)
{
	struct clone_args a;

	clone_args_init(&a, 0, G_SIGCHLD);
	clone_args_set_tid(&a, tids, n);
	return clone3_child_exit(&a, CLONE_ARGS_SIZE_VER2, NULL, 0, 0);
}

/* A zombie keeps its number until it is reaped (spec 4.4). */
static void zombie_holds_number(void)
{
	unsigned char info[128];
	long r;

	r = quick_child(TIDS(5010));
	tap_expect(r, 5010, "set_tid [5010] -> 5010 (the child exits at once)");
	tap_expect(sys_waitid(G_P_PID, r, info, G_WEXITED | G_WNOWAIT), 0,
		   "waitid(P_PID, 5010, WEXITED|WNOWAIT) sees the zombie and leaves it");
	tid_err(0, TIDS(5010), -E_EXIST, "set_tid [5010] while 5010 is a zombie -> EEXIST");
	tap_expect(reap(r), 0, "reaping 5010 gives status 0");
	r = quick_child(TIDS(5010));
	tap_expect(r, 5010, "set_tid [5010] after the reap -> 5010");
	reap(r);
}

/* New namespaces made by G. */
static void new_namespaces(void)
{
	tid_err(G_CLONE_NEWPID, TIDS(5020), -E_INVAL,
		"T84 NEWPID set_tid [5020] -> EINVAL (new namespace has no init)");
	tid_err(G_CLONE_NEWPID, TIDS(TOO_BIG), -E_INVAL, "T86 NEWPID set_tid [4194304] -> EINVAL");
	tid_err(G_CLONE_NEWPID, TIDS(1, TOO_BIG), -E_INVAL, "NEWPID set_tid [1, 4194304] -> EINVAL");
	tid_err(G_CLONE_NEWPID, TIDS(1, 1), -E_EXIST, "T88 NEWPID set_tid [1, 1] -> EEXIST (1 is the guest)");
	tid_err(G_CLONE_NEWPID, TIDS(1, 5042, 1, 1), -E_INVAL, "NEWPID with 4 entries (depth + 3) -> EINVAL");
	tid_ok(G_CLONE_NEWPID, TIDS(1), (struct view){ 1, 0, "T85 child" }, check_view, 0,
	       "T85 NEWPID set_tid [1] -> automatic pid outside");
	tid_ok(G_CLONE_NEWPID, TIDS(1, 5030), (struct view){ 1, 0, "N1" }, depth1, 5030,
	       "T87 NEWPID set_tid [1, 5030] -> 5030 (N1)");
}

int main(void)
{
	tap_plan(55);
	own_level();
	zombie_holds_number();
	new_namespaces();
	return tap_exit_code();
}
