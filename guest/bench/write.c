/*
 * bench (d): the host I/O path. N raw write(1, buf, 4096) calls (default
 * 200,000 = 800 MiB); the runner points fd 1 at /dev/null (sysemu has no
 * open() to reach it itself). Exit 0 when every write wrote 4096 bytes.
 */
#include <stdlib.h>
#include "sys.h"

static char buf[4096];

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	long bad = 0;

	for (long i = 0; i < (long)sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	for (long i = 0; i < n; i++)
		bad += sys_write(1, buf, sizeof(buf)) != (long)sizeof(buf);
	return bad != 0;
}
