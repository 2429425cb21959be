/*
 * threads_tls: what pthread_create's clone gives each thread.
 *   CLONE_SETTLS: every thread has its own __thread variables (initialised
 *     from the TLS image: .tdata values, .tbss zero) and its fs base is its
 *     thread pointer (pthread_self()).
 *   CLONE_THREAD: gettid() != getpid() in a thread, getpid() is the main
 *     thread's.
 *   CLONE_PARENT_SETTID: the libc's tid field of the new thread, read by the
 *     parent right after pthread_create returns, is the tid the thread sees
 *     with gettid(). The field's offset is libc-private: 0x2d0 in glibc
 *     2.28-2.41 (x86-64), 48 in musl 1.1-1.2; test 1 checks it on the main
 *     thread first.
 * Only yes/no results are printed: tids differ between machines.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "tap.h"

#ifdef __GLIBC__
#define TID_OFFSET 0x2d0
#else
#define TID_OFFSET 48
#endif
#define THREADS 4
#define ARCH_GET_FS 0x1003

static __thread int tls_int = 42;
static __thread long tls_zero;
static __thread char tls_buf[32] = "main";

struct result {
	long tid, pid;
	int tls_before;
	long zero_before;
	int tls_after;
	int buf_ok;
	void *addr;
	unsigned long fs_base;
	pthread_t self;
	int parent_view;
};

static struct result results[THREADS];
static pthread_barrier_t barrier;

static int tid_field(pthread_t t)
{
	return *(volatile int *)((char *)t + TID_OFFSET);
}

static void *body(void *arg)
{
	struct result *r = arg;
	int id = (int)(r - results);
	char want[32];

	r->tls_before = tls_int;
	r->zero_before = tls_zero;
	tls_int = 100 + id;
	tls_zero = id;
	snprintf(tls_buf, sizeof(tls_buf), "thread %d", id);
	r->tid = sys_gettid();
	r->pid = sys_getpid();
	r->addr = &tls_int;
	r->self = pthread_self();
	sys2(NR_arch_prctl, ARCH_GET_FS, (long)&r->fs_base);
	pthread_barrier_wait(&barrier);
	snprintf(want, sizeof(want), "thread %d", id);
	r->tls_after = tls_int;
	r->buf_ok = strcmp(tls_buf, want) == 0 && tls_zero == id;
	return NULL;
}

/* Counts the threads for which cond(r, i) holds. */
#define COUNT(expr) ({ int n_ = 0; for (int i = 0; i < THREADS; i++) { struct result *r = &results[i]; (void)r; n_ += !!(expr); } n_; })

int main(void)
{
	pthread_t th[THREADS];
	int distinct = 1;

	tap_plan(11);
	tap_expect(tid_field(pthread_self()), sys_gettid(), "main thread: libc's tid field = gettid()");
	pthread_barrier_init(&barrier, NULL, THREADS + 1);
	for (int i = 0; i < THREADS; i++) {
		pthread_create(&th[i], NULL, body, &results[i]);
		results[i].parent_view = tid_field(th[i]);
	}
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);

	tap_expect(COUNT(r->parent_view == r->tid), THREADS,
		   "CLONE_PARENT_SETTID: tid field read by the parent = the thread's gettid()");
	tap_expect(COUNT(r->tid != r->pid), THREADS, "gettid() != getpid() in every thread");
	tap_expect(COUNT(r->pid == sys_getpid()), THREADS, "getpid() in every thread = the main thread's");
	tap_expect(COUNT(r->tid != sys_gettid()), THREADS, "no thread has the main thread's tid");
	tap_expect(COUNT(r->tls_before == 42 && r->zero_before == 0), THREADS,
		   "each thread starts with the TLS image (.tdata 42, .tbss 0)");
	tap_expect(COUNT(r->tls_after == 100 + i && r->buf_ok), THREADS,
		   "each thread keeps its own __thread values while the others write theirs");
	for (int i = 0; i < THREADS; i++)
		for (int j = 0; j < THREADS; j++)
			if ((i != j && results[i].addr == results[j].addr) || results[i].addr == (void *)&tls_int)
				distinct = 0;
	tap_ok(distinct, "&tls_int differs in every thread and from the main thread's");
	tap_expect(COUNT(pthread_equal(r->self, th[i])), THREADS, "pthread_self() in a thread = what pthread_create returned");
	tap_expect(COUNT(r->fs_base == (unsigned long)r->self), THREADS,
		   "CLONE_SETTLS: each thread's fs base = its pthread_self()");
	tap_check(tls_int == 42 && strcmp(tls_buf, "main") == 0, "", "the main thread's __thread values are unchanged");
	return tap_exit_code();
}
