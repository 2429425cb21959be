/*
 * threads_counter: 8 pthreads each add 1 to a shared counter 100000 times
 * under one pthread mutex; the main thread joins them all and checks the
 * total (800000) and what each thread returned. Contended mutexes sleep in
 * FUTEX_WAIT and are woken by FUTEX_WAKE; pthread_join sleeps on the
 * thread's tid word, cleared and woken by the kernel (CLONE_CHILD_CLEARTID).
 */
#include <pthread.h>
#include <stdint.h>
#include "tap.h"

#define THREADS 8
#define ROUNDS 100000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static long per_thread[THREADS];

static void *worker(void *arg)
{
	long id = (long)(intptr_t)arg;

	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		per_thread[id]++;
		pthread_mutex_unlock(&lock);
	}
	return (void *)(intptr_t)(1000 + id);
}

int main(void)
{
	pthread_t th[THREADS];
	int created = 0, joined = 0, returns_ok = 0, counts_ok = 0;

	tap_plan(5);
	for (long i = 0; i < THREADS; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) == 0)
			created++;
	tap_expect(created, THREADS, "pthread_create starts %d threads", THREADS);
	for (int i = 0; i < created; i++) {
		void *ret = NULL;

		if (pthread_join(th[i], &ret) == 0)
			joined++;
		if ((intptr_t)ret == 1000 + i)
			returns_ok++;
	}
	tap_expect(joined, THREADS, "pthread_join reaps every thread");
	tap_expect(returns_ok, THREADS, "each join returns the thread's own result");
	for (int i = 0; i < THREADS; i++)
		if (per_thread[i] == ROUNDS)
			counts_ok++;
	tap_expect(counts_ok, THREADS, "each thread did %d increments", ROUNDS);
	tap_expect(counter, (long)THREADS * ROUNDS, "the shared counter is %d", THREADS * ROUNDS);
	return tap_exit_code();
}
