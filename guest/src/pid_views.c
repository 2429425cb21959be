/*
 * pid_views: getpid, getppid and gettid seen from inside and across pid
 * namespaces (spec 4.6, 4.7, 4.9, 4.10; T74-T76, T92, T102-T106, T108-T110).
 *
 * The guest G is pid 1 of its namespace, with its parent outside it, so it
 * sees getppid() = 0 both natively and in sysemu. Numbers printed are only
 * ones that are the same in both settings (1, 2, or relations such as
 * "getpid() did not change").
 */
#include "spawn.h"

static char *hole; /* a page boundary with nothing mapped after it */

static void guest_itself(void)
{
	tap_expect(sys_getpid(), 1, "the guest is pid 1 of its namespace");
	tap_expect(sys_getppid(), 0, "the guest's parent is outside its namespace: getppid() = 0");
	tap_expect(sys_gettid(), 1, "the guest's gettid() = 1");
}

static void plain_child(void)
{
	tap_expect(sys_getppid(), 1, "plain child: getppid() = 1");
	tap_expect(sys_gettid(), sys_getpid(), "plain child: gettid() = getpid()");
}

static void grandchild_in_new_ns(void)
{
	tap_expect(sys_getpid(), 2, "T75 second process of the new namespace: getpid() = 2");
	tap_expect(sys_getppid(), 1, "T75 its parent is the namespace init: getppid() = 1");
	tap_expect(sys_gettid(), 2, "T75 gettid() = 2");
}

static void set_tid_10(void)
{
	tap_expect(sys_getpid(), 10, "T76 child made with set_tid [10]: getpid() = 10");
}

/* A fork-like child with clone3 set_tid = [tid] that runs body. */
static long spawn_with_tid(int tid, void (*body)(void))
{
	struct clone_args a;

	clone_args_init(&a, 0, G_SIGCHLD);
	clone_args_set_tid(&a, &tid, 1);
	return spawn_tap(&a, body);
}

static void init_of_new_ns(void)
{
	long r;

	tap_expect(sys_getpid(), 1, "T74 NEWPID child: getpid() = 1");
	tap_expect(sys_getppid(), 0, "T74 NEWPID child: getppid() = 0");
	tap_expect(sys_gettid(), 1, "T74 NEWPID child: gettid() = 1");
	r = spawn_with_tid(10, set_tid_10);
	tap_child_join(r, "T76");
	tap_expect(r, 10, "T76 the init's clone3 with set_tid [10] returns 10");
	r = spawn_tap_flags(0, grandchild_in_new_ns);
	tap_child_join(r, "T75");
	tap_expect(r, 2, "T75 T76 the next fork returns 2 (set_tid did not move the cursor)");
}

/* Runs as the init of a new namespace: two children block in read(2), then the init exits. */
static void init_exits_under_children(void)
{
	struct clone_args a;
	int p[2];
	char c;

	sys_pipe(p);
	for (int i = 0; i < 2; i++) {
		clone_args_init(&a, 0, G_SIGCHLD);
		if (clone3_raw(&a, CLONE_ARGS_SIZE_VER2) == 0) {
			sys_read(p[0], &c, 1);
			sys_exit_group(0);
		}
	}
	sys_exit_group(0); /* prints no tests: count 0 */
}

/* T109: the init's death kills the rest of its namespace; its parent then reaps it. */
static void namespace_init_dies(void)
{
	long r = spawn_tap_flags(G_CLONE_NEWPID, init_exits_under_children);

	tap_expect(tap_child_join(r, "T109"), 0,
		   "T109 init exits with 2 live children: its parent reaps it, status 0");
	tap_expect(sys_wait4(-1, NULL, G_WNOHANG | G_WALL), -E_CHILD,
		   "T109 nothing else is left for the guest to reap");
}

/* Runs in C, whose parent P exits right after creating it. */
static void orphan(void)
{
	long old = sys_getppid();

	for (int i = 0; i < 1000000 && sys_getppid() == old; i++)
		sys0(NR_sched_yield);
	tap_expect(sys_getppid(), 1, "T110 orphan reparented to the namespace init: getppid() = 1");
}

static void orphan_parent(void)
{
	spawn_tap_flags(0, orphan);
	/* Exit at once without reaping: the namespace init adopts the child. */
}

static void init_adopts_orphans(void)
{
	long p = spawn_tap_flags(0, orphan_parent);

	tap_child_join(p, "T110 parent");
	tap_child_join(-1, "T110 orphan");
	tap_expect(sys_wait4(-1, NULL, G_WALL), -E_CHILD, "T110 the init reaped the orphan");
}

static void ns_child_after_unshare(void)
{
	tap_expect(sys_getpid(), 1, "T103 first child after unshare: getpid() = 1");
	tap_expect(sys_getppid(), 0, "T103 first child after unshare: getppid() = 0");
}

/* Runs in a child X of the guest: X itself stays in the guest's namespace. */
static void unshare_then_fork(void)
{
	long me = sys_getpid(), r;
	struct clone_args a;

	tap_expect(sys1(NR_unshare, G_CLONE_NEWPID), 0, "T102 unshare(CLONE_NEWPID) -> 0");
	tap_expect(sys_getpid(), me, "T102 getpid() is unchanged after unshare");
	tap_expect(sys1(NR_unshare, G_CLONE_NEWPID), -E_INVAL, "T104 a second unshare(CLONE_NEWPID) -> EINVAL");
	clone_args_init(&a, 0, G_SIGCHLD);
	clone_args_set_tid(&a, (const int[]){ 5100 }, 1);
	tap_expect(clone3_child_exit(&a, 88, NULL, 0, 0), -E_INVAL,
		   "T92 set_tid [5100] into the namespace without init -> EINVAL");
	clone_args_init(&a, G_CLONE_THREAD | G_CLONE_SIGHAND | G_CLONE_VM, 0);
	tap_expect(clone3_child_exit(&a, 88, NULL, 0, 0), -E_INVAL,
		   "T105 CLONE_THREAD after unshare(CLONE_NEWPID) -> EINVAL");
	r = spawn_tap_flags(0, ns_child_after_unshare);
	tap_child_join(r, "T103");
	tap_check(r > 1, "expected a pid > 1 in X's namespace",
		  "T103 fork returns the child's number in X's namespace");
	clone_args_init(&a, 0, G_SIGCHLD);
	tap_expect(clone3_child_exit(&a, 88, NULL, 0, 0), -E_NOMEM,
		   "T106 fork after that namespace's init was reaped -> ENOMEM");
}

/* A failed first fork (pidfd EFAULT after alloc_pid) leaves the namespace dead. */
static void unshare_then_failed_fork(void)
{
	struct clone_args a;

	sys1(NR_unshare, G_CLONE_NEWPID);
	clone_args_init(&a, G_CLONE_PIDFD, G_SIGCHLD);
	a.pidfd = (uint64_t)(uintptr_t)hole;
	tap_expect(clone3_child_exit(&a, 88, NULL, 0, 0), -E_FAULT,
		   "T108 first fork into the new namespace with pidfd unmapped -> EFAULT");
	clone_args_init(&a, 0, G_SIGCHLD);
	tap_expect(clone3_child_exit(&a, 88, NULL, 0, 0), -E_NOMEM,
		   "T108 every later fork into that namespace -> ENOMEM");
}

int main(void)
{
	long r;

	hole = map_then_hole();
	tap_plan(29);
	guest_itself();
	r = spawn_tap_flags(0, plain_child);
	tap_child_join(r, "plain child");
	r = spawn_tap_flags(G_CLONE_NEWPID, init_of_new_ns);
	tap_child_join(r, "T74");
	r = spawn_tap_flags(G_CLONE_NEWPID, init_adopts_orphans);
	tap_child_join(r, "T110");
	namespace_init_dies();
	r = spawn_tap_flags(0, unshare_then_fork);
	tap_child_join(r, "T102");
	r = spawn_tap_flags(0, unshare_then_failed_fork);
	tap_child_join(r, "T108");
	return tap_exit_code();
}
