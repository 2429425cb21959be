/*
 * sys.h - raw x86-64 system calls for guests, with no libc in the path.
 *
 * Every wrapper returns the kernel's rax unchanged: a value >= 0, or -errno
 * (-4095..-1). libc's syscall(2) would turn errors into -1 and errno, which
 * hides exactly what the guests check. Works the same with glibc and musl.
 */
#ifndef GUEST_SYS_H
#define GUEST_SYS_H

#include <stddef.h>
#include <stdint.h>

/* x86-64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
enum {
	NR_read = 0, NR_write = 1, NR_close = 3, NR_mmap = 9, NR_mprotect = 10,
	NR_munmap = 11, NR_rt_sigprocmask = 14, NR_pipe = 22, NR_sched_yield = 24,
	NR_getpid = 39, NR_clone = 56, NR_fork = 57, NR_vfork = 58, NR_exit = 60,
	NR_wait4 = 61, NR_kill = 62, NR_fcntl = 72, NR_setuid = 105,
	NR_getppid = 110, NR_arch_prctl = 158, NR_gettid = 186,
	NR_set_tid_address = 218, NR_exit_group = 231, NR_waitid = 247,
	NR_unshare = 272, NR_clone3 = 435,
};

/* errno values the guests name (asm-generic/errno-base.h, errno.h). */
enum {
	E_PERM = 1, E_SRCH = 3, E_INTR = 4, E_2BIG = 7, E_BADF = 9, E_CHILD = 10,
	E_AGAIN = 11, E_NOMEM = 12, E_FAULT = 14, E_BUSY = 16, E_EXIST = 17,
	E_INVAL = 22, E_NOSPC = 28, E_NOSYS = 38,
};

/* Wait options and idtypes (uapi/linux/wait.h). */
#define G_WNOHANG 0x00000001
#define G_WEXITED 0x00000004
#define G_WNOWAIT 0x01000000
#define G_WALL 0x40000000
#define G_WCLONE 0x80000000
#define G_P_ALL 0
#define G_P_PID 1

#define G_SIGKILL 9
#define G_SIGCHLD 17
#define G_PAGE 4096UL

static inline long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline long sys0(long nr) { return sys6(nr, 0, 0, 0, 0, 0, 0); }
static inline long sys1(long nr, long a) { return sys6(nr, a, 0, 0, 0, 0, 0); }
static inline long sys2(long nr, long a, long b) { return sys6(nr, a, b, 0, 0, 0, 0); }
static inline long sys3(long nr, long a, long b, long c) { return sys6(nr, a, b, c, 0, 0, 0); }
static inline long sys4(long nr, long a, long b, long c, long d)
{
	return sys6(nr, a, b, c, d, 0, 0);
}

static inline long sys_getpid(void) { return sys0(NR_getpid); }
static inline long sys_getppid(void) { return sys0(NR_getppid); }
static inline long sys_gettid(void) { return sys0(NR_gettid); }
static inline long sys_write(int fd, const void *buf, size_t n)
{
	return sys3(NR_write, fd, (long)buf, (long)n);
}
static inline long sys_read(int fd, void *buf, size_t n)
{
	return sys3(NR_read, fd, (long)buf, (long)n);
}
static inline long sys_close(int fd) { return sys1(NR_close, fd); }
static inline long sys_pipe(int fds[2]) { return sys1(NR_pipe, (long)fds); }
static inline long sys_kill(long pid, int sig) { return sys2(NR_kill, pid, sig); }
static inline long sys_wait4(long pid, int *status, long options)
{
	return sys4(NR_wait4, pid, (long)status, options, 0);
}
static inline long sys_waitid(int idtype, long id, void *info, long options)
{
	return sys6(NR_waitid, idtype, id, (long)info, options, 0, 0);
}

/* Ends the whole process now: no atexit handlers, no stdio flush. */
static inline __attribute__((noreturn)) void sys_exit_group(int code)
{
	for (;;)
		sys1(NR_exit_group, code);
}

/* Anonymous private mapping of n bytes; returns the address or -errno. */
static inline long sys_mmap_anon(size_t n, int prot)
{
	return sys6(NR_mmap, 0, (long)n, prot, 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0);
}
static inline long sys_munmap(void *p, size_t n) { return sys2(NR_munmap, (long)p, (long)n); }

/*
 * An address with nothing mapped behind it for one page: maps two pages and
 * unmaps the second. Returns the start of the hole (a page boundary), so
 * hole - k is readable and writable for k in 1..4096. Call it after the
 * guest's last mmap: a later one-page mmap may be placed in the hole.
 */
static inline char *map_then_hole(void)
{
	long p = sys_mmap_anon(2 * G_PAGE, 3 /* PROT_READ|PROT_WRITE */);

	if (p < 0)
		return 0;
	sys_munmap((char *)p + G_PAGE, G_PAGE);
	return (char *)p + G_PAGE;
}

/* Blocks signal sig (1..64) with rt_sigprocmask, so a stray delivery cannot kill us. */
static inline long block_signal(int sig)
{
	uint64_t set = 1ULL << (sig - 1);

	return sys4(NR_rt_sigprocmask, 0 /* SIG_BLOCK */, (long)&set, 0, 8);
}

#endif
