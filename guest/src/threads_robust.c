/*
 * threads_robust: robust mutexes whose owner thread dies. The libc puts each
 * robust mutex it holds on the thread's robust list (set_robust_list); at
 * thread exit the kernel walks that list, marks every lock the thread still
 * owns FUTEX_OWNER_DIED and wakes one waiter (shared futex wake).
 *   1. A thread locks M1 and exits: the next pthread_mutex_lock(M1) returns
 *      EOWNERDEAD; after pthread_mutex_consistent the mutex works again.
 *   2. A thread locks M2 while another sleeps in pthread_mutex_lock(M2); the
 *      owner exits: the sleeper is woken by the kernel and gets EOWNERDEAD.
 *   3. get_robust_list(0) in a thread that holds a robust mutex: the head
 *      its libc registered and the length 24.
 * The mutexes are process-shared: musl registers its robust list with the
 * kernel only for those (and also releases the list itself in pthread_exit,
 * so with musl the kernel's walk finds nothing left to do; glibc relies on
 * the kernel).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include "tap.h"

#define NR_nanosleep 35
#define NR_get_robust_list 274

static pthread_mutex_t m1, m2;
static volatile int m2_locked, sleeper_started;
static long sleeper_result = -1;
static long robust_len, robust_head_set;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	sys2(NR_nanosleep, (long)&ts, 0);
}

static void *lock_and_die(void *arg)
{
	void *head = NULL;
	size_t len = 0;

	(void)arg;
	pthread_mutex_lock(&m1);
	sys3(NR_get_robust_list, 0, (long)&head, (long)&len);
	robust_len = (long)len;
	robust_head_set = head != NULL;
	return NULL; /* exits holding m1 */
}

static void *hold_m2_then_die(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m2);
	m2_locked = 1;
	while (!sleeper_started)
		sys0(NR_sched_yield);
	sleep_ms(30); /* natively: let the sleeper reach FUTEX_WAIT */
	return NULL;  /* exits holding m2 */
}

static void *sleeper(void *arg)
{
	(void)arg;
	sleeper_started = 1;
	sleeper_result = pthread_mutex_lock(&m2);
	if (sleeper_result == EOWNERDEAD) {
		pthread_mutex_consistent(&m2);
		pthread_mutex_unlock(&m2);
	}
	return NULL;
}

static void init_robust(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

int main(void)
{
	pthread_t a, b;

	tap_plan(7);
	init_robust(&m1);
	init_robust(&m2);

	pthread_create(&a, NULL, lock_and_die, NULL);
	pthread_join(a, NULL);
	tap_expect(robust_len, 24, "get_robust_list in a thread: len 24");
	tap_ok(robust_head_set, "get_robust_list in a thread: the libc registered a head");
	tap_expect(pthread_mutex_lock(&m1), EOWNERDEAD, "lock of a mutex whose owner exited -> EOWNERDEAD");
	tap_expect(pthread_mutex_consistent(&m1), 0, "pthread_mutex_consistent -> 0");
	pthread_mutex_unlock(&m1);
	tap_expect(pthread_mutex_lock(&m1), 0, "the mutex is usable again -> 0");
	pthread_mutex_unlock(&m1);

	pthread_create(&a, NULL, hold_m2_then_die, NULL);
	while (!m2_locked)
		sys0(NR_sched_yield);
	pthread_create(&b, NULL, sleeper, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	tap_expect(sleeper_result, EOWNERDEAD, "a thread asleep in pthread_mutex_lock is woken with EOWNERDEAD");
	tap_expect(pthread_mutex_lock(&m2), 0, "... and after it made the mutex consistent, the lock works");
	return tap_exit_code();
}
