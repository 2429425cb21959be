/*
 * spawn.h - run a function in a clone3 child that prints its own TAP tests.
 *
 * The child continues on a copy of the caller's stack (fork-like: no
 * CLONE_VM, no stack in the args), runs body(), and exits with the number of
 * tests it printed (tap_child_exit). The parent reaps it with
 * tap_child_join() before printing anything else, so the output order is the
 * same on every run.
 */
#ifndef GUEST_SPAWN_H
#define GUEST_SPAWN_H

#include "clone3.h"
#include "tap.h"

/* Returns the child's pid (in the caller's namespace) or -errno. Not reaped. */
static TAP_UNUSED long spawn_tap(struct clone_args *a, void (*body)(void))
{
	long r = clone3_raw(a, CLONE_ARGS_SIZE_VER2);

	if (r == 0) {
		tap_child_begin();
		body();
		tap_child_exit();
	}
	return r;
}

/* spawn_tap with clone_args {flags, exit_signal SIGCHLD}. */
static TAP_UNUSED long spawn_tap_flags(uint64_t flags, void (*body)(void))
{
	struct clone_args a;

	clone_args_init(&a, flags, G_SIGCHLD);
	return spawn_tap(&a, body);
}

#endif
