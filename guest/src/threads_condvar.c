/*
 * threads_condvar: ping-pong between the main thread and a worker through
 * one mutex and two condition variables, ROUNDS times each way. Each side
 * waits for its turn (pthread_cond_wait sleeps in a futex), takes it, and
 * hands the turn back with pthread_cond_signal. The log of who moved when
 * must alternate exactly; a broadcast round with 4 waiters ends it.
 */
#include <pthread.h>
#include <stdint.h>
#include "tap.h"

#define ROUNDS 2000
#define WAITERS 4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ping = PTHREAD_COND_INITIALIZER;
static pthread_cond_t pong = PTHREAD_COND_INITIALIZER;
static pthread_cond_t go = PTHREAD_COND_INITIALIZER;
static int turn;                /* 0: main's turn, 1: worker's turn */
static int moves;               /* moves made so far */
static char log_[2 * ROUNDS];   /* 'm' or 'w' per move */
static int released, started;

static void *ponger(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (int i = 0; i < ROUNDS; i++) {
		while (turn != 1)
			pthread_cond_wait(&ping, &lock);
		log_[moves++] = 'w';
		turn = 0;
		pthread_cond_signal(&pong);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void *waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	started++;
	pthread_cond_signal(&pong);
	while (!released)
		pthread_cond_wait(&go, &lock);
	moves++;
	pthread_mutex_unlock(&lock);
	return NULL;
}

static int alternates(void)
{
	for (int i = 0; i < 2 * ROUNDS; i++)
		if (log_[i] != (i % 2 ? 'w' : 'm'))
			return 0;
	return 1;
}

int main(void)
{
	pthread_t t, w[WAITERS];
	int ok = 1;

	tap_plan(5);
	ok = pthread_create(&t, NULL, ponger, NULL) == 0;
	pthread_mutex_lock(&lock);
	for (int i = 0; i < ROUNDS; i++) {
		while (turn != 0)
			pthread_cond_wait(&pong, &lock);
		log_[moves++] = 'm';
		turn = 1;
		pthread_cond_signal(&ping);
	}
	while (turn != 0)
		pthread_cond_wait(&pong, &lock);
	pthread_mutex_unlock(&lock);
	ok = ok && pthread_join(t, NULL) == 0;
	tap_ok(ok, "ping-pong thread created and joined");
	tap_expect(moves, 2 * ROUNDS, "%d moves were made", 2 * ROUNDS);
	tap_ok(alternates(), "the moves alternate main, worker, main, ...");

	for (int i = 0; i < WAITERS; i++)
		pthread_create(&w[i], NULL, waiter, NULL);
	pthread_mutex_lock(&lock);
	while (started < WAITERS)
		pthread_cond_wait(&pong, &lock);
	released = 1;
	pthread_cond_broadcast(&go);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < WAITERS; i++)
		pthread_join(w[i], NULL);
	tap_expect(started, WAITERS, "%d waiters started", WAITERS);
	tap_expect(moves, 2 * ROUNDS + WAITERS, "pthread_cond_broadcast released all %d", WAITERS);
	return tap_exit_code();
}
