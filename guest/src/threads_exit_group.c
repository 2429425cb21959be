/*
 * threads_exit_group: exit_group from a thread that is not the leader ends
 * every thread of the process with its status (7), including one asleep in
 * FUTEX_WAIT and the main thread asleep in pthread_join. The exiting thread
 * prints the TAP lines; the process must end with status 7.
 */
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include "tap.h"

#define NR_futex 202
#define NR_nanosleep 35
#define FUTEX_WAIT_PRIVATE 128

static volatile int word;      /* the sleeper waits while it is 0 */
static volatile int sleeping;  /* set by the sleeper just before its wait */
static long main_pid;

static void *sleeper(void *arg)
{
	(void)arg;
	sleeping = 1;
	for (;;)
		sys6(NR_futex, (long)&word, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
	return NULL;
}

static void *exiter(void *arg)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	(void)arg;
	while (!sleeping)
		sys0(NR_sched_yield);
	/* Natively the sleeper may need a moment to reach FUTEX_WAIT. */
	sys2(NR_nanosleep, (long)&ts, 0);
	tap_ok(sleeping, "the sleeper thread reached its FUTEX_WAIT loop");
	tap_ok(sys_gettid() != main_pid, "exit_group is called from a thread that is not the leader");
	tap_expect(sys_getpid(), main_pid, "getpid() in that thread is the process's");
	tap_diag("exit_group(7) from the non-leader thread");
	sys_exit_group(7);
}

int main(void)
{
	pthread_t s, e;

	main_pid = sys_getpid();
	tap_plan(3);
	pthread_create(&s, NULL, sleeper, NULL);
	pthread_create(&e, NULL, exiter, NULL);
	pthread_join(e, NULL);
	tap_ok(0, "pthread_join returned: exit_group did not end the main thread");
	return 1;
}
