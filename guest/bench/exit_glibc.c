/*
 * bench (f), static glibc: main returns 0 at once, so the cost is loading the
 * program plus glibc's start-up and exit (TLS, IRELATIVE relocs, stdio flush).
 */
int main(void)
{
	return 0;
}
