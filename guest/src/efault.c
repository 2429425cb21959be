/*
 * efault: user-memory faults in read(2) and write(2) come back as -EFAULT.
 *
 * Pipes are used where the result would otherwise depend on what fd 1 is:
 * Linux's pipe_write fails the whole call (-EFAULT, nothing queued) when the
 * first page cannot be copied completely, while a regular file keeps the
 * bytes it could copy. The last case writes to fd 1 and only prints what it
 * got: 100 when fd 1 is a regular file (the golden capture), -14 for a pipe
 * or a tty, 8192 for /dev/null.
 */
#include <string.h>
#include "tap.h"

static int pipe_or_die(int p[2])
{
	long r = sys_pipe(p);

	if (r != 0)
		tap_diag("pipe failed: %ld", r);
	return r == 0;
}

static void write_faults(char *hole)
{
	int p[2];
	char buf[64];

	tap_expect(sys_write(1, hole, 10), -E_FAULT, "write(1, unmapped, 10)");
	if (!pipe_or_die(p))
		return;
	tap_expect(sys_write(p[1], hole, 10), -E_FAULT, "write(pipe, unmapped, 10)");
	tap_expect(sys_write(p[1], (void *)0xffff800000000000UL, 10), -E_FAULT,
		   "write(pipe, kernel address, 10)");
	tap_expect(sys_write(p[1], hole - 100, 8192), -E_FAULT,
		   "write(pipe, 100 readable bytes then a hole, 8192)");
	sys_write(p[1], "ab", 2);
	tap_expect(sys_read(p[0], buf, sizeof(buf)), 2, "the failed pipe write queued nothing");
	sys_close(p[0]);
	sys_close(p[1]);
}

static void read_faults(char *hole, void *ro)
{
	char buf[64];
	int p[2];

	if (!pipe_or_die(p))
		return;
	sys_write(p[1], "0123456789", 10);
	tap_expect(sys_read(p[0], ro, 10), -E_FAULT, "read(pipe, PROT_READ page, 10)");
	tap_expect(sys_read(p[0], hole, 10), -E_FAULT, "read(pipe, unmapped, 10)");
	tap_expect(sys_read(p[0], buf, sizeof(buf)), 10, "the failed reads consumed nothing");
	sys_close(p[0]);
	sys_close(p[1]);
}

/* Writes a 100-byte comment line that ends where the hole starts, asking for 8192. */
static void partial_write_stdout(char *hole)
{
	char *line = hole - 100;
	long r;

	memset(line, 'x', 100);
	memcpy(line, "# ", 2);
	line[99] = '\n';
	r = sys_write(1, line, 8192);
	tap_diag("write(1, buffer with 100 readable bytes, 8192) returned %ld", r);
}

int main(void)
{
	long ro = sys_mmap_anon(G_PAGE, 1 /* PROT_READ */);
	char *hole = map_then_hole(); /* last mmap: nothing may land in the hole */

	tap_plan(8);
	if (!hole || ro < 0) {
		tap_diag("mmap failed");
		return 1;
	}
	write_faults(hole);
	read_faults(hole, (void *)ro);
	partial_write_stdout(hole);
	return tap_exit_code();
}
