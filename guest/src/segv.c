/*
 * segv: calls an address with nothing mapped. The process dies of SIGSEGV
 * (a shell reports 139), even as pid 1 of a namespace: a fault forces the
 * default action.
 */
#include "sys.h"

int main(void)
{
	static const char msg[] = "jumping to 0xdead0000\n";
	void (*volatile target)(void) = (void (*)(void))0xdead0000UL;

	sys_write(1, msg, sizeof(msg) - 1);
	target();
	sys_write(1, "survived\n", 9);
	return 1;
}
