/*
 * fork_many: many processes in many nested pid namespaces (spec 3.5, 4.3,
 * 4.10). The guest creates 200 children with clone3(CLONE_NEWPID); child i
 * heads a chain of 1 + i % 3 nested namespaces (each init creates the next
 * with CLONE_NEWPID). Every init checks getpid() = 1 and getppid() = 0 and
 * reaps its own child. The guest starts all 200 before reaping any, then
 * prints a summary: counts only, so the order of exits does not matter.
 */
#include "clone3.h"
#include "tap.h"

#define CHILDREN 200

static long new_ns_child(int depth);

/*
 * Body of each init: returns through exit_group with the number of inits in
 * its chain (itself and below) that saw the right view, bit 7 set on any
 * failure.
 */
static __attribute__((noreturn)) void chain(int depth)
{
	int good = sys_getpid() == 1 && sys_getppid() == 0;
	int below = 0, bad = !good;

	if (depth > 1) {
		long r = new_ns_child(depth - 1);
		long status = r > 0 ? reap(r) : r;

		if (status < 0 || (status & 0x7f))
			bad = 1;
		else {
			below = (status >> 8) & 0x7f;
			bad |= (status >> 15) & 1;
		}
	}
	sys_exit_group((good + below) | (bad ? 0x80 : 0));
}

/* Creates an init of a new namespace that runs chain(depth). */
static long new_ns_child(int depth)
{
	struct clone_args a;
	long r;

	clone_args_init(&a, G_CLONE_NEWPID, G_SIGCHLD);
	r = clone3_raw(&a, CLONE_ARGS_SIZE_VER2);
	if (r == 0)
		chain(depth);
	return r;
}

/* Totals over all reaped children. */
struct tally {
	int reaped, inits, bad;
};

/* Reaps every child; returns wait4's final result (ECHILD when all are gone). */
static long reap_all(struct tally *t)
{
	int status;
	long r;

	while ((r = sys_wait4(-1, &status, 0)) > 0) {
		t->reaped++;
		if (status & 0x7f) {
			t->bad++;
			continue;
		}
		t->inits += (status >> 8) & 0x7f;
		t->bad += (status >> 15) & 1;
	}
	return r;
}

int main(void)
{
	struct tally t = { 0, 0, 0 };
	int created = 0, expected_inits = 0;
	long first_error = 0, r;

	tap_plan(5);
	for (int i = 0; i < CHILDREN; i++) {
		r = new_ns_child(1 + i % 3);
		if (r > 0) {
			created++;
			expected_inits += 1 + i % 3;
		} else if (!first_error)
			first_error = r;
	}
	r = reap_all(&t);
	tap_diag("%d children, %d namespace inits in chains of depth 1, 2, 3", created, t.inits);
	if (first_error)
		tap_diag("first clone3 error: %ld (%s)", first_error, tap_errname(first_error));
	tap_expect(created, CHILDREN, "clone3(CLONE_NEWPID) created %d children", CHILDREN);
	tap_expect(t.reaped, CHILDREN, "wait4 reaped all %d children", CHILDREN);
	tap_expect(t.bad, 0, "no chain reported a failure");
	tap_expect(t.inits, expected_inits, "all %d inits saw getpid() = 1 and getppid() = 0", expected_inits);
	tap_expect(r, -E_CHILD, "after the last child wait4 returns ECHILD");
	return tap_exit_code();
}
