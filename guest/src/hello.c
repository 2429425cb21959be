/* hello: the libc start-up path (glibc or musl, static) and one printf. */
#include <stdio.h>

int main(void)
{
	printf("Hello from sysemu!\n");
	return 0;
}
