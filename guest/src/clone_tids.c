/*
 * clone_tids: the tid words the kernel writes for a new child (spec 3.4
 * steps 34-36, 3.6, 7.4; T63, T64, T120).
 *   CLONE_PARENT_SETTID: the child's pid in the caller's namespace, in the
 *     caller's memory, before clone returns.
 *   CLONE_CHILD_SETTID: the child's pid in its own namespace, in the child's
 *     memory (1 for a CLONE_NEWPID child).
 *   CLONE_CHILD_CLEARTID: 0 written when a CLONE_VM child exits.
 * Checked through clone3 and through legacy clone(2), whose x86-64 argument
 * order is flags, newsp, parent_tid, child_tid, tls.
 */
#include "spawn.h"

#define PAT (-7) /* a value no pid has: shows a word was not written */

static int ptid = PAT, ctid = PAT;
static char *hole; /* a page boundary with nothing mapped after it */

/* Child bodies: check the child's own copy of ctid. */
static void ctid_is_getpid(void)
{
	tap_expect(ctid, sys_getpid(), "  child: *child_tid = getpid()");
}

static void ctid_is_1(void)
{
	tap_expect(ctid, 1, "  child: *child_tid = 1 (its pid in the new namespace)");
}

static void nothing(void)
{
}

/* Legacy clone(2) that returns twice like fork; the child runs body and exits. */
static long legacy_clone(unsigned long flags, int *p, int *c, void (*body)(void))
{
	long r = sys6(NR_clone, flags, 0, (long)p, (long)c, 0, 0);

	if (r == 0) {
		tap_child_begin();
		body();
		tap_child_exit();
	}
	return r;
}

/* Shared tail: reap, then compare the parent's ptid with the result. */
static void check_parent_side(long r, const char *how)
{
	tap_child_join(r, how);
	tap_check(r > 0, "expected a pid", "%s returns a pid", how);
	tap_expect(ptid, r, "%s: *parent_tid = the returned pid", how);
	tap_expect(ctid, PAT, "%s: the parent's copy of child_tid is untouched", how);
}

static void clone3_settid(uint64_t flags, void (*body)(void), const char *how)
{
	struct clone_args a;

	ptid = ctid = PAT;
	clone_args_init(&a, flags | G_CLONE_PARENT_SETTID | G_CLONE_CHILD_SETTID, G_SIGCHLD);
	a.parent_tid = (uint64_t)(uintptr_t)&ptid;
	a.child_tid = (uint64_t)(uintptr_t)&ctid;
	check_parent_side(spawn_tap(&a, body), how);
}

static void legacy_cases(void)
{
	const unsigned long settid = G_CLONE_PARENT_SETTID | G_CLONE_CHILD_SETTID | G_SIGCHLD;
	long r;

	ptid = ctid = PAT;
	r = legacy_clone(settid, &ptid, &ctid, ctid_is_getpid);
	check_parent_side(r, "clone(2) PARENT_SETTID|CHILD_SETTID");
	ptid = ctid = PAT;
	r = legacy_clone(settid | G_CLONE_NEWPID, &ptid, &ctid, ctid_is_1);
	check_parent_side(r, "clone(2) NEWPID|PARENT_SETTID|CHILD_SETTID");
	tap_expect(sys6(NR_clone, G_CLONE_PIDFD | G_CLONE_PARENT_SETTID | G_SIGCHLD, 0, (long)&ptid, 0, 0, 0),
		   -E_INVAL, "T63 clone(2) PIDFD|PARENT_SETTID -> EINVAL (both use parent_tid)");
	r = legacy_clone(G_CLONE_DETACHED | G_SIGCHLD, NULL, NULL, nothing);
	tap_child_join(r, "T64");
	tap_check(r > 0, "expected a pid", "T64 clone(2) CLONE_DETACHED|SIGCHLD -> success (flag ignored)");
}

/* Write failures of PARENT_SETTID and CHILD_SETTID are ignored. */
static void unmapped_tid_words(void)
{
	struct clone_args a;
	long r;

	clone_args_init(&a, G_CLONE_PARENT_SETTID | G_CLONE_CHILD_SETTID, G_SIGCHLD);
	a.parent_tid = (uint64_t)(uintptr_t)hole;
	a.child_tid = (uint64_t)(uintptr_t)(hole + 64);
	r = clone3_child_exit(&a, CLONE_ARGS_SIZE_VER2, NULL, 0, 0);
	tap_check(r > 0, "expected a pid", "PARENT_SETTID and CHILD_SETTID at unmapped addresses -> success");
	tap_expect(reap(r), 0, "that child runs and exits 0");
}

/* CLONE_VM child: CHILD_CLEARTID zeroes the shared word when the child exits. */
static void cleartid(void)
{
	struct clone_args a;
	long r;

	ptid = ctid = PAT;
	clone_args_init(&a, G_CLONE_VM | G_CLONE_PARENT_SETTID | G_CLONE_CHILD_SETTID | G_CLONE_CHILD_CLEARTID,
			G_SIGCHLD);
	a.parent_tid = (uint64_t)(uintptr_t)&ptid;
	a.child_tid = (uint64_t)(uintptr_t)&ctid;
	r = clone3_child_exit(&a, CLONE_ARGS_SIZE_VER2, NULL, 0, 0);
	tap_expect(reap(r), 0, "CLONE_VM|CHILD_SETTID|CHILD_CLEARTID child exits 0");
	tap_expect(ptid, r, "CLONE_VM child: *parent_tid = its pid");
	tap_expect(ctid, 0, "CLONE_VM child: *child_tid cleared to 0 at exit");
}

static void tid_address_child(void)
{
	int word;

	tap_expect(sys1(NR_set_tid_address, (long)&word), sys_gettid(), "  child: set_tid_address returns gettid()");
}

int main(void)
{
	long r;

	hole = map_then_hole();
	tap_plan(24);
	clone3_settid(0, ctid_is_getpid, "clone3 PARENT_SETTID|CHILD_SETTID");
	clone3_settid(G_CLONE_NEWPID, ctid_is_1, "T120 clone3 NEWPID|PARENT_SETTID|CHILD_SETTID");
	legacy_cases();
	unmapped_tid_words();
	cleartid();
	r = spawn_tap_flags(G_CLONE_NEWPID, tid_address_child);
	tap_child_join(r, "set_tid_address");
	return tap_exit_code();
}
