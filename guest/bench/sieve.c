/*
 * bench (b): compute with loads and stores and no syscalls. A byte sieve of
 * Eratosthenes over [0, 2,000,000) run R times (default 40; about 0.3 s on the
 * reference machine), each time counting the primes. Exit 0 when every count
 * is pi(2e6) = 148933.
 */
#include <stdlib.h>
#include <string.h>

#define LIMIT 2000000
#define PRIMES_BELOW_LIMIT 148933

static unsigned char composite[LIMIT];

static long sieve(void)
{
	long count = 0;

	memset(composite, 0, sizeof(composite));
	for (long i = 2; i < LIMIT; i++) {
		if (composite[i])
			continue;
		count++;
		for (long j = i * i; j < LIMIT; j += i)
			composite[j] = 1;
	}
	return count;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 40;
	long bad = 0;

	for (long r = 0; r < rounds; r++)
		bad += sieve() != PRIMES_BELOW_LIMIT;
	return bad != 0;
}
