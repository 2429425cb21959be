/*
 * bench (g): threads and a futex-based lock. 8 threads (argv[2]) each take a
 * shared pthread mutex N times (argv[1], default 50,000) and bump a counter.
 * The lock is contended, so glibc falls back to futex wait/wake. Exit 0 when
 * the counter is threads * N.
 */
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static long per_thread;

static void *worker(void *arg)
{
	(void)arg;
	for (long i = 0; i < per_thread; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long threads = argc > 2 ? atol(argv[2]) : 8;
	pthread_t tid[64];

	per_thread = argc > 1 ? atol(argv[1]) : 50000;
	if (threads < 1 || threads > 64)
		return 2;
	for (long t = 0; t < threads; t++)
		if (pthread_create(&tid[t], NULL, worker, NULL) != 0)
			return 1;
	for (long t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	return counter != threads * per_thread;
}
