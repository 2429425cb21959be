/*
 * bench (c): process creation and teardown. N times (default 1,000): glibc
 * fork(), the child calls _exit(0) at once, the parent reaps it with wait4.
 * Exit 0 when every child was reaped with status 0.
 */
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	long bad = 0;

	for (long i = 0; i < n; i++) {
		int status = -1;
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid < 0 || wait4(pid, &status, 0, NULL) != pid || status != 0)
			bad++;
	}
	return bad != 0;
}
