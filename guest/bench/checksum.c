/*
 * bench (e): an ordinary glibc static program. malloc 64 MiB (MiB as argv[1]),
 * fill it with a multiplicative hash of the index, fold it into a checksum and
 * printf the sum. The pages are first touched here, so the cost includes the
 * page faults (natively) or page mapping (emulators).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	size_t n = mib * 1024 * 1024 / sizeof(uint64_t);
	uint64_t *a = malloc(n * sizeof(uint64_t));
	uint64_t sum = 0;

	if (a == NULL)
		return 1;
	for (size_t i = 0; i < n; i++)
		a[i] = (i + 1) * 0x9E3779B97F4A7C15ULL;
	for (size_t i = 0; i < n; i++)
		sum = (sum ^ a[i]) * 0x100000001B3ULL + (sum >> 29);
	printf("checksum of %zu MiB: %016llx\n", mib, (unsigned long long)sum);
	free(a);
	return 0;
}
