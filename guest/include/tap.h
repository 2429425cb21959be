/*
 * tap.h - TAP 13 output in the style of the kernel's kselftest harness.
 *
 *   TAP version 13
 *   1..N
 *   ok 1 - description
 *   not ok 2 - description # got -22 (EINVAL) expected -17 (EEXIST)
 *
 * Lines go straight to fd 1 with write(2): no stdio buffer, so a forked child
 * never repeats its parent's output and nothing is lost when a child exits
 * with _exit. Children can print their own tests: the parent calls
 * tap_child_join(), which adds the child's count (its exit code) to its own.
 */
#ifndef GUEST_TAP_H
#define GUEST_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "sys.h"

#define TAP_UNUSED __attribute__((unused))

static int tap_n;           /* number of the last test printed */
static int tap_fails;       /* tests that printed "not ok" */
static int tap_planned;     /* N from "1..N" */
static int tap_base_n;      /* tap_n when this process started as a child */
static int tap_base_fails;  /* tap_fails at that moment */

static TAP_UNUSED void tap_printf(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len > (int)sizeof(line) - 1)
		len = sizeof(line) - 1;
	sys_write(1, line, len);
}

static TAP_UNUSED void tap_plan(int n)
{
	tap_planned = n;
	tap_printf("TAP version 13\n1..%d\n", n);
}

/* Name of -errno for the errnos guests meet; "" for anything else. */
static TAP_UNUSED const char *tap_errname(long v)
{
	static const char *const names[] = {
		[E_PERM] = "EPERM", [E_SRCH] = "ESRCH", [E_INTR] = "EINTR",
		[E_2BIG] = "E2BIG", [E_BADF] = "EBADF", [E_CHILD] = "ECHILD",
		[E_AGAIN] = "EAGAIN", [E_NOMEM] = "ENOMEM", [E_FAULT] = "EFAULT",
		[E_BUSY] = "EBUSY", [E_EXIST] = "EEXIST", [E_INVAL] = "EINVAL",
		[E_NOSPC] = "ENOSPC", [E_NOSYS] = "ENOSYS",
	};

	if (v < 0 && -v < (long)(sizeof(names) / sizeof(names[0])) && names[-v])
		return names[-v];
	return "";
}

/* Formats v as "-22 (EINVAL)" or "42". */
static TAP_UNUSED const char *tap_val(char *buf, size_t n, long v)
{
	const char *name = tap_errname(v);

	if (*name)
		snprintf(buf, n, "%ld (%s)", v, name);
	else
		snprintf(buf, n, "%ld", v);
	return buf;
}

static TAP_UNUSED int tap_result(int pass, const char *detail, const char *fmt, va_list ap)
{
	char desc[256];

	vsnprintf(desc, sizeof(desc), fmt, ap);
	tap_n++;
	if (!pass)
		tap_fails++;
	if (pass || !detail || !*detail)
		tap_printf("%sok %d - %s\n", pass ? "" : "not ", tap_n, desc);
	else
		tap_printf("not ok %d - %s # %s\n", tap_n, desc, detail);
	return pass;
}

/* One test that passes when cond is true. Returns cond. */
static TAP_UNUSED int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tap_result(cond, "", fmt, ap);
	va_end(ap);
	return r;
}

/* One test that passes when got == expected; prints both when it fails. */
static TAP_UNUSED int tap_expect(long got, long expected, const char *fmt, ...)
{
	char g[48], e[48], detail[128];
	va_list ap;
	int r;

	snprintf(detail, sizeof(detail), "got %s expected %s",
		 tap_val(g, sizeof(g), got), tap_val(e, sizeof(e), expected));
	va_start(ap, fmt);
	r = tap_result(got == expected, detail, fmt, ap);
	va_end(ap);
	return r;
}

/* One test with a caller-made detail ("got ... expected ...") shown on failure. */
static TAP_UNUSED int tap_check(int pass, const char *detail, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tap_result(pass, detail, fmt, ap);
	va_end(ap);
	return r;
}

/* Like tap_expect, for addresses and bit patterns (hex). */
static TAP_UNUSED int tap_expect_hex(unsigned long got, unsigned long expected, const char *fmt, ...)
{
	char detail[128];
	va_list ap;
	int r;

	snprintf(detail, sizeof(detail), "got 0x%lx expected 0x%lx", got, expected);
	va_start(ap, fmt);
	r = tap_result(got == expected, detail, fmt, ap);
	va_end(ap);
	return r;
}

static TAP_UNUSED void tap_skip(const char *reason, const char *fmt, ...)
{
	char desc[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	tap_printf("ok %d - %s # SKIP %s\n", ++tap_n, desc, reason);
}

/* A "# ..." diagnostic line. */
static TAP_UNUSED void tap_diag(const char *fmt, ...)
{
	char text[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	tap_printf("# %s\n", text);
}

/* Process exit code: 0 when every planned test ran and passed. */
static TAP_UNUSED int tap_exit_code(void)
{
	if (tap_n != tap_planned)
		tap_diag("planned %d tests but ran %d", tap_planned, tap_n);
	return tap_fails == 0 && tap_n == tap_planned ? 0 : 1;
}

/* Call first thing in a child that prints its own tests. */
static TAP_UNUSED void tap_child_begin(void)
{
	tap_base_n = tap_n;
	tap_base_fails = tap_fails;
}

/* Ends a child: exit code = tests it printed (< 128), bit 7 set if any failed. */
static TAP_UNUSED __attribute__((noreturn)) void tap_child_exit(void)
{
	int count = tap_n - tap_base_n;

	sys_exit_group((count & 0x7f) | (tap_fails > tap_base_fails ? 0x80 : 0));
}

/*
 * Reaps child pid (-1: any child; any exit signal) and adds the tests it
 * printed to our count. A child that did not exit normally counts as one
 * failed test. Returns the raw wait status, or -errno from wait4.
 */
static TAP_UNUSED long tap_child_join(long pid, const char *who)
{
	int status = 0;
	long r = sys_wait4(pid, &status, G_WALL);

	if (r < 0 || (pid > 0 && r != pid)) {
		tap_expect(r, pid, "%s: wait4 reaps the child", who);
		return r < 0 ? r : -E_CHILD;
	}
	if ((status & 0x7f) != 0) {
		tap_expect_hex(status, 0, "%s: child exited normally", who);
		return status;
	}
	tap_n += (status >> 8) & 0x7f;
	if (status & 0x8000)
		tap_fails++;
	return status;
}

#endif
