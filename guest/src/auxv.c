/*
 * auxv: prints what the kernel put on the initial stack: argc, each argv
 * string, the number of envp entries, then every auxv entry (type name and
 * value) up to and including AT_NULL, in the kernel's order.
 *
 * Output is meant to be the same on every run and every toolchain wherever
 * the kernel behaves the same:
 *  - AT_PHDR, AT_PHNUM and AT_ENTRY are compared with this ELF's own header
 *    (__ehdr_start) and _start, and print "matches ..." or the mismatch;
 *  - page size, AT_PHENT, AT_BASE, AT_FLAGS, ids, AT_SECURE, AT_CLKTCK print
 *    as numbers;
 *  - addresses and machine-dependent values (AT_RANDOM, AT_EXECFN,
 *    AT_SYSINFO_EHDR, AT_HWCAP*, AT_MINSIGSTKSZ, AT_RSEQ_*) print as the
 *    literal "0x...", so a golden comparison checks the list of types.
 *    AT_PLATFORM also shows its string.
 */
#include <elf.h>
#include <stdio.h>
#include <string.h>

extern const Elf64_Ehdr __ehdr_start; /* the ELF header, mapped with the first PT_LOAD */
extern char _start[];                 /* the ELF entry point */

struct at_name {
	unsigned long type;
	const char *name;
	int stable; /* 1: decimal, 2: hex, 3: checked against this ELF, 0: masked */
};

static const struct at_name at_names[] = {
	{ 0, "AT_NULL", 1 },        { 1, "AT_IGNORE", 1 },      { 2, "AT_EXECFD", 1 },
	{ 3, "AT_PHDR", 3 },        { 4, "AT_PHENT", 1 },       { 5, "AT_PHNUM", 3 },
	{ 6, "AT_PAGESZ", 1 },      { 7, "AT_BASE", 2 },        { 8, "AT_FLAGS", 1 },
	{ 9, "AT_ENTRY", 3 },       { 10, "AT_NOTELF", 1 },     { 11, "AT_UID", 1 },
	{ 12, "AT_EUID", 1 },       { 13, "AT_GID", 1 },        { 14, "AT_EGID", 1 },
	{ 15, "AT_PLATFORM", 0 },   { 16, "AT_HWCAP", 0 },      { 17, "AT_CLKTCK", 1 },
	{ 23, "AT_SECURE", 1 },     { 24, "AT_BASE_PLATFORM", 0 }, { 25, "AT_RANDOM", 0 },
	{ 26, "AT_HWCAP2", 0 },     { 27, "AT_RSEQ_FEATURE_SIZE", 0 }, { 28, "AT_RSEQ_ALIGN", 0 },
	{ 29, "AT_HWCAP3", 0 },     { 30, "AT_HWCAP4", 0 },     { 31, "AT_EXECFN", 0 },
	{ 32, "AT_SYSINFO", 0 },    { 33, "AT_SYSINFO_EHDR", 0 }, { 51, "AT_MINSIGSTKSZ", 0 },
};

static const struct at_name *at_lookup(unsigned long type)
{
	for (size_t i = 0; i < sizeof(at_names) / sizeof(at_names[0]); i++)
		if (at_names[i].type == type)
			return &at_names[i];
	return NULL;
}

/* The value AT_PHDR, AT_PHNUM or AT_ENTRY must have for this ELF, and its name. */
static unsigned long elf_value(unsigned long type, const char **what)
{
	const char *ehdr = (const char *)&__ehdr_start;

	if (type == 3) {
		*what = "__ehdr_start + e_phoff";
		return (unsigned long)(ehdr + __ehdr_start.e_phoff);
	}
	if (type == 5) {
		*what = "e_phnum";
		return __ehdr_start.e_phnum;
	}
	*what = "_start";
	return (unsigned long)_start;
}

static void print_checked(const char *name, unsigned long type, unsigned long value)
{
	const char *what;
	unsigned long want = elf_value(type, &what);

	if (value == want)
		printf("%s matches %s\n", name, what);
	else
		printf("%s 0x%lx but %s is 0x%lx\n", name, value, what, want);
}

static void print_entry(unsigned long type, unsigned long value)
{
	const struct at_name *at = at_lookup(type);

	if (!at)
		printf("AT_%lu 0x...\n", type);
	else if (at->stable == 1)
		printf("%s %lu\n", at->name, value);
	else if (at->stable == 2)
		printf("%s 0x%lx\n", at->name, value);
	else if (at->stable == 3)
		print_checked(at->name, type, value);
	else if (type == 15 && value)
		printf("%s 0x... \"%s\"\n", at->name, (const char *)value);
	else
		printf("%s 0x...\n", at->name);
}

int main(int argc, char **argv, char **envp)
{
	int envc = 0;
	unsigned long *auxv;

	printf("argc %d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d] %s\n", i, argv[i]);
	while (envp[envc])
		envc++;
	printf("envc %d\n", envc);
	/* auxv starts right after the NULL that ends envp. */
	for (auxv = (unsigned long *)&envp[envc + 1]; auxv[0] != 0; auxv += 2)
		print_entry(auxv[0], auxv[1]);
	print_entry(0, auxv[1]);
	return 0;
}
