/*
 * bench (a): the syscall round trip. N getpid calls (default 1,000,000) through
 * a raw `syscall` instruction, so no libc cache or vDSO can answer them.
 * Exit 0 when every call returned the same pid, 1 otherwise.
 */
#include <stdlib.h>
#include "sys.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	long pid = sys_getpid();
	long bad = 0;

	for (long i = 0; i < n; i++)
		bad += sys_getpid() != pid;
	return bad != 0;
}
