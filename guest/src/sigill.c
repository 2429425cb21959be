/* sigill: executes ud2. The process dies of SIGILL (a shell reports 132). */
#include "sys.h"

int main(void)
{
	static const char msg[] = "executing ud2\n";

	sys_write(1, msg, sizeof(msg) - 1);
	__asm__ volatile("ud2");
	sys_write(1, "survived\n", 9);
	return 1;
}
