/*
 * futex_errors: futex(2) argument checks and results on the real kernel's
 * terms, then wakes that reach (or miss) a sleeping thread, then the errors
 * of nanosleep / clock_nanosleep.
 *   Keys: unaligned -> EINVAL before anything else; a private futex needs no
 *   memory for its key (FUTEX_WAKE_PRIVATE on an unmapped word returns 0),
 *   a shared one does (EFAULT), and read-only anonymous memory is no shared
 *   futex (EFAULT). Waits read the word: EFAULT, EAGAIN when it differs.
 *   Unknown commands and FUTEX_CLOCK_REALTIME outside the BITSET/PI waits
 *   are ENOSYS (not EINVAL); a bad timeout is EFAULT/EINVAL, read before the
 *   command is looked at; a timeout that has passed gives ETIMEDOUT.
 * Waiters are pthreads; the main thread sleeps 30 ms before each wake so a
 * native run finds them asleep in FUTEX_WAIT.
 */
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include "tap.h"

#define NR_futex 202
#define NR_nanosleep 35
#define NR_clock_gettime 228
#define NR_clock_nanosleep 230
#define WAIT 0
#define WAKE 1
#define FD 2
#define REQUEUE 3
#define CMP_REQUEUE 4
#define WAKE_OP 5
#define WAIT_BITSET 9
#define WAKE_BITSET 10
#define PRIV 128
#define CLOCK_RT 256
#define E_NOTSUP 95
#define E_TIMEDOUT 110
#define OP(op, oparg, cmp, cmparg) (((op) << 28) | ((cmp) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

static long fx(void *uaddr, long op, long val, const void *timeout, void *uaddr2, long val3)
{
	return sys6(NR_futex, (long)uaddr, op, val, (long)timeout, (long)uaddr2, val3);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	sys2(NR_nanosleep, (long)&ts, 0);
}

static uint32_t word, word2;
static char *ro, *none, *hole;

static void key_and_value_errors(void)
{
	word = 5;
	tap_expect(fx(hole, WAIT | PRIV, 0, 0, 0, 0), -E_FAULT, "WAIT_PRIVATE on an unmapped word -> EFAULT");
	tap_expect(fx(hole, WAIT, 0, 0, 0, 0), -E_FAULT, "WAIT (shared) on an unmapped word -> EFAULT");
	tap_expect(fx(hole, WAKE | PRIV, 1, 0, 0, 0), 0, "WAKE_PRIVATE on an unmapped word -> 0 (the key needs no memory)");
	tap_expect(fx(hole, WAKE, 1, 0, 0, 0), -E_FAULT, "WAKE (shared) on an unmapped word -> EFAULT");
	tap_expect(fx(&word, WAIT | PRIV, 6, 0, 0, 0), -E_AGAIN, "WAIT_PRIVATE, word 5, val 6 -> EAGAIN");
	tap_expect(fx(&word, WAIT, 4, 0, 0, 0), -E_AGAIN, "WAIT (shared), word 5, val 4 -> EAGAIN");
	tap_expect(fx((char *)&word + 1, WAIT | PRIV, 5, 0, 0, 0), -E_INVAL, "WAIT on an unaligned word -> EINVAL");
	tap_expect(fx((char *)&word + 2, WAKE | PRIV, 1, 0, 0, 0), -E_INVAL, "WAKE on an unaligned word -> EINVAL");
	tap_expect(fx(hole + 1, WAIT, 5, 0, 0, 0), -E_INVAL, "unaligned and unmapped -> EINVAL (alignment first)");
	tap_expect(fx(ro, WAIT | PRIV, 1, 0, 0, 0), -E_AGAIN, "WAIT_PRIVATE on a read-only page (word 0, val 1) -> EAGAIN");
	tap_expect(fx(ro, WAIT, 1, 0, 0, 0), -E_FAULT, "WAIT (shared) on read-only anonymous memory -> EFAULT");
	tap_expect(fx(ro, WAKE, 1, 0, 0, 0), -E_FAULT, "WAKE (shared) on read-only anonymous memory -> EFAULT");
	tap_expect(fx(none, WAIT | PRIV, 0, 0, 0, 0), -E_FAULT, "WAIT_PRIVATE on a PROT_NONE page -> EFAULT");
	tap_expect(fx(none, WAKE, 1, 0, 0, 0), -E_FAULT, "WAKE (shared) on a PROT_NONE page -> EFAULT");
	tap_expect(fx(none, WAKE | PRIV, 1, 0, 0, 0), 0, "WAKE_PRIVATE on a PROT_NONE page -> 0");
	tap_expect(fx(NULL, WAIT | PRIV, 0, 0, 0, 0), -E_FAULT, "WAIT_PRIVATE on NULL -> EFAULT");
	tap_expect(fx(NULL, WAKE | PRIV, 1, 0, 0, 0), 0, "WAKE_PRIVATE on NULL -> 0");
	tap_expect(fx((void *)0x800000000000, WAKE | PRIV, 1, 0, 0, 0), -E_FAULT, "WAKE_PRIVATE at 2^47 -> EFAULT");
	tap_expect(fx((void *)0xffffffffff600000, WAIT | PRIV, 0, 0, 0, 0), -E_FAULT, "WAIT_PRIVATE on a kernel address -> EFAULT");
	tap_expect(fx(&word, WAKE | PRIV, 1, 0, 0, 0), 0, "WAKE with nobody waiting -> 0");
}

static void op_and_timeout_errors(void)
{
	struct timespec zero = { 0, 0 }, bad_ns = { 0, 1000000000 }, neg = { -1, 0 };
	struct timespec past = { 1, 0 }, rel = { 0, 20 * 1000000 }, abs;

	word = 5;
	tap_expect(fx(&word, 99 | PRIV, 5, 0, 0, 0), -E_NOSYS, "unknown command 99 -> ENOSYS");
	tap_expect(fx(&word, FD | PRIV, 5, 0, 0, 0), -E_NOSYS, "FUTEX_FD (removed) -> ENOSYS");
	tap_expect(fx(&word, -1, 5, 0, 0, 0), -E_NOSYS, "op -1 -> ENOSYS");
	tap_expect(fx(&word, WAKE | PRIV | CLOCK_RT, 1, 0, 0, 0), -E_NOSYS, "WAKE|CLOCK_REALTIME -> ENOSYS");
	tap_expect(fx(&word, WAIT | PRIV | CLOCK_RT, 5, &zero, 0, 0), -E_NOSYS, "WAIT|CLOCK_REALTIME -> ENOSYS");
	tap_expect(fx(&word, WAIT | PRIV | CLOCK_RT, 5, &bad_ns, 0, 0), -E_INVAL,
		   "WAIT|CLOCK_REALTIME with tv_nsec 1e9 -> EINVAL (timeout checked first)");
	tap_expect(fx(&word, 99 | PRIV, 5, hole, 0, 0), -E_NOSYS, "unknown command: the timeout is not read -> ENOSYS");
	tap_expect(fx(&word, WAIT_BITSET | PRIV, 5, 0, 0, 0), -E_INVAL, "WAIT_BITSET with bitset 0 -> EINVAL");
	tap_expect(fx(&word, WAKE_BITSET | PRIV, 1, 0, 0, 0), -E_INVAL, "WAKE_BITSET with bitset 0 -> EINVAL");
	tap_expect(fx(&word, WAIT | PRIV, 5, &bad_ns, 0, 0), -E_INVAL, "timeout tv_nsec 1000000000 -> EINVAL");
	tap_expect(fx(&word, WAIT | PRIV, 5, &neg, 0, 0), -E_INVAL, "timeout tv_sec -1 -> EINVAL");
	tap_expect(fx(&word, WAIT | PRIV, 5, hole, 0, 0), -E_FAULT, "timeout at an unmapped address -> EFAULT");
	tap_expect(fx(&word, WAIT | PRIV, 6, hole, 0, 0), -E_FAULT, "bad timeout and a mismatched word -> EFAULT (timeout first)");
	tap_expect(fx(&word, WAIT | PRIV, 6, &zero, 0, 0), -E_AGAIN, "mismatched word with a zero timeout -> EAGAIN");
	tap_expect(fx(&word, WAIT | PRIV, 5, &zero, 0, 0), -E_TIMEDOUT, "WAIT with a zero timeout -> ETIMEDOUT");
	tap_expect(fx(&word, WAIT | PRIV, 5, &rel, 0, 0), -E_TIMEDOUT, "WAIT for 20 ms (relative) -> ETIMEDOUT");
	tap_expect(fx(&word, WAIT_BITSET | PRIV, 5, &past, 0, -1), -E_TIMEDOUT, "WAIT_BITSET until CLOCK_MONOTONIC 1 s (past) -> ETIMEDOUT");
	tap_expect(fx(&word, WAIT_BITSET | PRIV | CLOCK_RT, 5, &past, 0, -1), -E_TIMEDOUT,
		   "WAIT_BITSET|CLOCK_REALTIME until 1970 -> ETIMEDOUT");
	sys2(NR_clock_gettime, 1, (long)&abs);
	abs.tv_nsec += 20 * 1000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	tap_expect(fx(&word, WAIT_BITSET | PRIV, 5, &abs, 0, 1), -E_TIMEDOUT, "WAIT_BITSET until now + 20 ms -> ETIMEDOUT");
	tap_expect(word, 5, "the word is unchanged by the waits");
}

static void requeue_and_wake_op_errors(void)
{
	word = 5;
	word2 = 0;
	tap_expect(fx(&word, REQUEUE | PRIV, 1, (void *)1, &word2, 0), 0, "REQUEUE with nobody waiting -> 0");
	tap_expect(fx(&word, CMP_REQUEUE | PRIV, 1, (void *)1, &word2, 4), -E_AGAIN, "CMP_REQUEUE, word 5, val3 4 -> EAGAIN");
	tap_expect(fx(&word, CMP_REQUEUE | PRIV, 1, (void *)1, &word2, 5), 0, "CMP_REQUEUE, word 5, val3 5 -> 0");
	tap_expect(fx(&word, CMP_REQUEUE | PRIV, -1, (void *)1, &word2, 5), -E_INVAL, "CMP_REQUEUE with nr_wake -1 -> EINVAL");
	tap_expect(fx(&word, CMP_REQUEUE | PRIV, 1, (void *)-1, &word2, 5), -E_INVAL, "CMP_REQUEUE with nr_requeue -1 -> EINVAL");
	tap_expect(fx(&word, REQUEUE | PRIV, 1, (void *)1, (char *)&word2 + 2, 0), -E_INVAL, "REQUEUE to an unaligned word -> EINVAL");
	tap_expect(fx(hole, CMP_REQUEUE | PRIV, 1, (void *)1, &word2, 0), -E_FAULT, "CMP_REQUEUE from an unmapped word -> EFAULT");
	tap_expect(fx(&word, CMP_REQUEUE | PRIV, 1, (void *)1, hole, 5), 0, "CMP_REQUEUE to an unmapped private word -> 0");
	tap_expect(fx(&word, WAKE_OP | PRIV, 1, (void *)1, &word2, OP(1, 7, 0, 0)), 0, "WAKE_OP ADD 7 (old == 0 holds) -> 0 woken");
	tap_expect(word2, 7, "WAKE_OP ADD stored 0 + 7");
	tap_expect(fx(&word, WAKE_OP | PRIV, 1, (void *)1, &word2, OP(8 | 0, 4, 0, 0)), 0, "WAKE_OP SET 1 << 4 -> 0 woken");
	tap_expect(word2, 16, "WAKE_OP with FUTEX_OP_OPARG_SHIFT stored 16");
	tap_expect(fx(&word, WAKE_OP | PRIV, 1, (void *)1, &word2, OP(7, 1, 0, 0)), -E_NOSYS, "WAKE_OP with operation 7 -> ENOSYS");
	tap_expect(word2, 16, "... and the word is unchanged");
	tap_expect(fx(&word, WAKE_OP | PRIV, 1, (void *)1, &word2, OP(0, 3, 9, 0)), -E_NOSYS, "WAKE_OP with comparison 9 -> ENOSYS");
	tap_expect(word2, 3, "... after storing the new value");
	tap_expect(fx(&word, WAKE_OP | PRIV, 1, (void *)1, ro, OP(0, 1, 0, 0)), -E_FAULT, "WAKE_OP on a read-only word -> EFAULT");
	tap_expect(fx(&word, WAKE_OP | PRIV, 1, (void *)1, hole, OP(7, 1, 0, 0)), -E_NOSYS,
		   "WAKE_OP with operation 7 on an unmapped word -> ENOSYS (the operation is checked first)");
}

/* One sleeping waiter: futex(uaddr, op, val, timeout, NULL, bitset); its result in result. */
struct waiter {
	pthread_t th;
	uint32_t *uaddr;
	long op, val, bitset;
	const struct timespec *timeout;
	volatile int ready;
	long result;
};

static void *waiter_body(void *arg)
{
	struct waiter *w = arg;

	w->ready = 1;
	w->result = fx(w->uaddr, w->op, w->val, w->timeout, NULL, w->bitset);
	return NULL;
}

static void start_waiter(struct waiter *w, uint32_t *uaddr, long op, long bitset)
{
	w->uaddr = uaddr;
	w->op = op;
	w->val = *uaddr;
	w->bitset = bitset;
	w->ready = 0;
	pthread_create(&w->th, NULL, waiter_body, w);
	while (!w->ready)
		sys0(NR_sched_yield);
	sleep_ms(30);
}

static long finish_waiter(struct waiter *w)
{
	pthread_join(w->th, NULL);
	return w->result;
}

static void wakes(void)
{
	struct waiter a = { 0 }, b = { 0 };
	struct timespec long_wait = { 100, 0 };

	word = 0;
	word2 = 0;
	start_waiter(&a, &word, WAIT | PRIV, 0);
	tap_expect(fx(&word, WAKE | PRIV, 0, 0, 0, 0), 1, "WAKE_PRIVATE with nr 0 still wakes the one sleeper -> 1");
	tap_expect(finish_waiter(&a), 0, "the woken WAIT_PRIVATE returns 0");

	start_waiter(&a, &word, WAIT, 0);
	tap_expect(fx(&word, WAKE | PRIV, 1, 0, 0, 0), 0, "a private WAKE misses a shared waiter on the same word -> 0");
	tap_expect(fx(&word, WAKE, 1, 0, 0, 0), 1, "a shared WAKE reaches it -> 1");
	tap_expect(finish_waiter(&a), 0, "the woken shared WAIT returns 0");

	start_waiter(&a, &word, WAIT_BITSET | PRIV, 2);
	tap_expect(fx(&word, WAKE_BITSET | PRIV, 8, 0, 0, 1), 0, "WAKE_BITSET 0x1 misses a waiter with bitset 0x2 -> 0");
	tap_expect(fx(&word, WAKE_BITSET | PRIV, 8, 0, 0, 3), 1, "WAKE_BITSET 0x3 reaches it -> 1");
	tap_expect(finish_waiter(&a), 0, "the woken WAIT_BITSET returns 0");

	a.timeout = &long_wait;
	start_waiter(&a, &word, WAIT | PRIV, 0);
	tap_expect(fx(&word, WAKE | PRIV, 1, 0, 0, 0), 1, "a WAIT with a 100 s timeout is woken -> 1");
	tap_expect(finish_waiter(&a), 0, "... and returns 0 at once");
	a.timeout = NULL;

	start_waiter(&a, &word, WAIT | PRIV, 0);
	start_waiter(&b, &word, WAIT | PRIV, 0);
	tap_expect(fx(&word, CMP_REQUEUE | PRIV, 1, (void *)1, &word2, 0), 2, "CMP_REQUEUE wakes 1 and moves 1 -> 2");
	tap_expect(fx(&word, WAKE | PRIV, 8, 0, 0, 0), 0, "nobody is left on the first word");
	tap_expect(fx(&word2, WAKE | PRIV, 8, 0, 0, 0), 1, "the moved waiter is woken on the second word");
	tap_expect(finish_waiter(&a) + finish_waiter(&b), 0, "both waits return 0");

	word = 0;
	start_waiter(&a, &word, WAIT | PRIV, 0);
	tap_expect(fx(&word, WAKE_OP | PRIV, 1, (void *)1, &word2, OP(0, 1, 0, 0)), 1,
		   "WAKE_OP wakes the waiter on the first word -> 1");
	tap_expect(finish_waiter(&a), 0, "... whose WAIT returns 0");
}

static void sleep_errors(void)
{
	struct timespec ok = { 0, 1000 }, zero = { 0, 0 }, bad = { 0, -1 }, rem = { 7, 7 };

	tap_expect(sys2(NR_nanosleep, (long)&ok, (long)&rem), 0, "nanosleep 1 us -> 0");
	tap_check(rem.tv_sec == 7 && rem.tv_nsec == 7, "", "nanosleep leaves rem alone when not interrupted");
	tap_expect(sys2(NR_nanosleep, (long)&bad, 0), -E_INVAL, "nanosleep with tv_nsec -1 -> EINVAL");
	tap_expect(sys2(NR_nanosleep, (long)hole, 0), -E_FAULT, "nanosleep with an unmapped request -> EFAULT");
	tap_expect(sys2(NR_nanosleep, (long)&zero, 0), 0, "nanosleep 0 -> 0");
	tap_expect(sys4(NR_clock_nanosleep, 1, 0, (long)&ok, 0), 0, "clock_nanosleep(CLOCK_MONOTONIC, 1 us) -> 0");
	tap_expect(sys4(NR_clock_nanosleep, 0, 1, (long)&ok, 0), 0, "clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, 1970) -> 0");
	tap_expect(sys4(NR_clock_nanosleep, 7, 2, (long)&ok, 0), 0, "clock_nanosleep(CLOCK_BOOTTIME, flags 2) -> 0 (other bits ignored)");
	tap_expect(sys4(NR_clock_nanosleep, 4, 0, (long)hole, 0), -E_NOTSUP,
		   "clock_nanosleep(CLOCK_MONOTONIC_RAW) -> EOPNOTSUPP before the request is read");
	tap_expect(sys4(NR_clock_nanosleep, 3, 0, (long)&ok, 0), -E_NOTSUP, "clock_nanosleep(CLOCK_THREAD_CPUTIME_ID) -> EOPNOTSUPP");
	tap_expect(sys4(NR_clock_nanosleep, 10, 0, (long)hole, 0), -E_INVAL, "clock_nanosleep(clock 10) -> EINVAL");
	tap_expect(sys4(NR_clock_nanosleep, 1, 0, (long)&bad, 0), -E_INVAL, "clock_nanosleep with tv_nsec -1 -> EINVAL");
	tap_expect(sys4(NR_clock_nanosleep, 1, 0, (long)hole, 0), -E_FAULT, "clock_nanosleep with an unmapped request -> EFAULT");
	tap_expect(sys4(NR_clock_nanosleep, -2, 0, (long)&ok, 0), -E_INVAL, "clock_nanosleep on the caller's thread CPU clock -> EINVAL");
	tap_expect(sys0(NR_sched_yield), 0, "sched_yield -> 0");
}

int main(void)
{
	ro = (char *)sys_mmap_anon(G_PAGE, 1 /* PROT_READ */);
	none = (char *)sys_mmap_anon(G_PAGE, 0 /* PROT_NONE */);
	hole = map_then_hole();
	tap_plan(89);
	key_and_value_errors();
	op_and_timeout_errors();
	requeue_and_wake_op_errors();
	wakes();
	hole = map_then_hole(); /* again: the threads' mappings may have filled the first hole */
	sleep_errors();
	return tap_exit_code();
}
