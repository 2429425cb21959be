/**
 * The strace formatter. Every expected line is what strace 6.1 printed on the reference machine (Debian 12, Linux
 * 6.18) for the same call, arguments and memory contents (C programs run under `strace -o`); only addresses are
 * those of the harness memory.
 */
import { describe, it, expect } from 'vitest';
import { bootHarness, poke, u64s, SCRATCH } from '../helpers/kernel_harness.js';
import { PT, newPtRegs, SYSCALL_ARG_SLOTS } from '../../kernel/arch/x86/ptregs.js';
import { NR } from '../../kernel/uapi/unistd_64.gen.js';
import { Errno } from '../../kernel/uapi/errno.js';
import { CTRL_EXIT, type SyscallResult } from '../../kernel/sched/syscall_control.js';
import type { SyscallDef } from '../../kernel/arch/x86/syscall_def.js';
import type { SyscallEvent } from '../../kernel/trace/event.js';
import type { Task } from '../../kernel/sched/task.js';
import { straceLine, formatError } from '../../kernel/trace/strace.js';
import { formatFlags, formatSigset, formatSym, signalName } from '../../kernel/trace/format_flags.js';
import { quoteBytes } from '../../kernel/trace/quote.js';

const S = SCRATCH; // 0x10000000
const enc = (s: string) => new TextEncoder().encode(s);

function ev(task: Task, name: keyof typeof NR | number, args: (number | bigint)[], result: SyscallResult): SyscallEvent {
  const nr = typeof name === 'number' ? name : NR[name];
  const regs = newPtRegs();
  regs[PT.orig_rax] = BigInt(nr);
  args.forEach((v, i) => (regs[SYSCALL_ARG_SLOTS[i]!] = BigInt.asUintN(64, BigInt(v))));
  return { task, nr, regs, result };
}

function setup(): Task {
  return bootHarness().init;
}

function line(task: Task, name: keyof typeof NR | number, args: (number | bigint)[], result: SyscallResult, prefix?: string): string {
  return straceLine(ev(task, name, args, result), { prefix });
}

describe('layout and results', () => {
  it('pads the call to column 39, then " = "; long calls get one space', () => {
    const t = setup();
    poke(t, S, enc('Hello\n'));
    expect(line(t, 'write', [1, S, 6], 6)).toBe('write(1, "Hello\\n", 6)                  = 6');
    expect(line(t, 'arch_prctl', [0x1002, 0x800000000000], -Errno.EPERM)).toBe(
      'arch_prctl(ARCH_SET_FS, 0x800000000000) = -1 EPERM (Operation not permitted)',
    );
  });

  it('hex results for brk and mmap, "?" for exit_group, decimal otherwise', () => {
    const t = setup();
    expect(line(t, 'brk', [0], 0x4c8000)).toBe('brk(NULL)                               = 0x4c8000');
    expect(line(t, 'exit_group', [0], CTRL_EXIT)).toBe('exit_group(0)                           = ?');
    expect(line(t, 'getuid', [], 0)).toBe('getuid()                                = 0');
  });

  it('errors: name and glibc strerror text; unnamed numbers as ERRNO_n', () => {
    const t = setup();
    expect(line(t, 'write', [-1, 0, 1], -Errno.EBADF)).toBe('write(-1, NULL, 1)                      = -1 EBADF (Bad file descriptor)');
    expect(formatError(Errno.ENOSYS)).toBe('-1 ENOSYS (Function not implemented)');
    expect(formatError(Errno.ENOTTY)).toBe('-1 ENOTTY (Inappropriate ioctl for device)');
    expect(formatError(Errno.EDEADLK)).toBe('-1 EDEADLK (Resource deadlock avoided)');
    expect(formatError(600)).toBe('-1 ERRNO_600 (Unknown error 600)');
  });

  it('unknown numbers print six hex words', () => {
    const t = setup();
    expect(line(t, 1000, [1, 2, 3, 3, 3, 3], -Errno.ENOSYS)).toBe(
      'syscall_0x3e8(0x1, 0x2, 0x3, 0x3, 0x3, 0x3) = -1 ENOSYS (Function not implemented)',
    );
  });

  it('a pid prefix counts toward the column', () => {
    const t = setup();
    expect(line(t, 'getpid', [], 14083, '[pid 14083] ')).toBe('[pid 14083] getpid()                    = 14083');
  });
});

describe('strings and buffers', () => {
  it('escapes \\t \\n \\r \\" \\\\ and prints other bytes in octal, three digits before an octal digit', () => {
    const t = setup();
    poke(t, S, [...enc('tab\there "q" back\\ '), 1, 0x7f, 0xff, 0x1b, ...enc(' end\r\n'), 0]);
    expect(line(t, 'write', [1, S, 30], 30)).toBe('write(1, "tab\\there \\"q\\" back\\\\ \\1\\177\\377\\33 end\\r\\n\\0", 30) = 30');
    poke(t, S, [1, 0x32, 0x80, 0x39]);
    expect(line(t, 'write', [1, S, 4], 4)).toBe('write(1, "\\0012\\2009", 4)               = 4');
    poke(t, S, [0x0c, 0x0b, 0x07, 0x08]);
    expect(line(t, 'write', [1, S, 4], 4)).toBe('write(1, "\\f\\v\\7\\10", 4)                = 4');
    poke(t, S, [0x80, 0x81, 0x61, 0x62, 0x63, 0xff, 0xfe, 0xfd]);
    expect(line(t, 'write', [1, S, 8], 8)).toBe('write(1, "\\200\\201abc\\377\\376\\375", 8)  = 8');
    poke(t, S, enc('nul\0inside\n'));
    expect(line(t, 'write', [1, S, 11], 11)).toBe('write(1, "nul\\0inside\\n", 11)           = 11');
  });

  it('32 bytes then "..."; NULL; an unreadable buffer as its address; "" for 0 bytes', () => {
    const t = setup();
    poke(t, S, enc('0123456789abcdefghijklmnopqrstuvwxyz\n'));
    expect(line(t, 'write', [1, S, 37], 37)).toBe('write(1, "0123456789abcdefghijklmnopqrstuv"..., 37) = 37');
    expect(line(t, 'write', [1, 0, 5], 5)).toBe('write(1, NULL, 5)                       = 5');
    expect(line(t, 'write', [1, 0x1000, 5], 5)).toBe('write(1, 0x1000, 5)                     = 5');
    expect(line(t, 'write', [1, S, 0], 0)).toBe('write(1, "", 0)                         = 0');
  });

  it('read buffers are printed from the result; on error the address', () => {
    const t = setup();
    poke(t, S, new Uint8Array(40));
    expect(line(t, 'read', [3, S, 40], 40)).toBe(`read(3, "${'\\0'.repeat(32)}"..., 40) = 40`);
    poke(t, S, enc('vm\n'));
    expect(line(t, 'read', [4, S, 100], 3)).toBe('read(4, "vm\\n", 100)                    = 3');
    expect(line(t, 'read', [-1, S, 10], -Errno.EBADF)).toBe('read(-1, 0x10000000, 10)                = -1 EBADF (Bad file descriptor)');
  });

  it('getrandom prints every byte in hex', () => {
    const t = setup();
    poke(t, S, [0xf6, 0x0a, 0x16, 0xad, 0x6e, 0x25, 0xe6, 0xd7]);
    expect(line(t, 'getrandom', [S, 8, 1], 8)).toBe('getrandom("\\xf6\\x0a\\x16\\xad\\x6e\\x25\\xe6\\xd7", 8, GRND_NONBLOCK) = 8');
    poke(t, S, [0xd4, 0x87, 0x7c, 0xae]);
    expect(line(t, 'getrandom', [S, 4, 3], 4)).toBe('getrandom("\\xd4\\x87\\x7c\\xae", 4, GRND_NONBLOCK|GRND_RANDOM) = 4');
    expect(line(t, 'getrandom', [S, 4, 0x10], -Errno.EINVAL)).toBe(
      'getrandom(0x10000000, 4, 0x10 /* GRND_??? */) = -1 EINVAL (Invalid argument)',
    );
    expect(line(t, 'getrandom', [S, 40, 0], 40)).toMatch(/^getrandom\("(\\x[0-9a-f]{2}){32}"\.\.\., 40, 0\) = 40$/);
  });

  it('readlink: the path in full and the target from the result', () => {
    const t = setup();
    poke(t, S, [...enc('/proc/self/exe'), 0]);
    poke(t, S + 0x100, enc('/tmp/st/hello-glibc'));
    expect(line(t, 'readlink', [S, S + 0x100, 4096], 19)).toBe('readlink("/proc/self/exe", "/tmp/st/hello-glibc", 4096) = 19');
    expect(line(t, 'readlink', [S, S + 0x100, 4], 4)).toBe('readlink("/proc/self/exe", "/tmp", 4)   = 4');
    expect(line(t, 'readlink', [S, S + 0x100, 0], -Errno.EINVAL)).toBe(
      'readlink("/proc/self/exe", 0x10000100, 0) = -1 EINVAL (Invalid argument)',
    );
  });

  it('quoteBytes hex mode pads to two digits', () => {
    expect(quoteBytes(Uint8Array.from([0, 0x41, 0xff]), true)).toBe('"\\x00\\x41\\xff"');
  });
});

describe('structs', () => {
  function stat(t: Task, at: number, mode: number, rdev: number, size: number): number {
    const b = new Uint8Array(144);
    const v = new DataView(b.buffer);
    v.setUint32(24, mode, true);
    v.setBigUint64(40, BigInt(rdev), true);
    v.setBigInt64(48, BigInt(size), true);
    poke(t, at, b);
    return at;
  }

  it('fstat / newfstatat: st_mode with st_rdev for devices, st_size otherwise; the address on error', () => {
    const t = setup();
    stat(t, S, 0o20600, 0x8800, 0);
    expect(line(t, 'fstat', [1, S], 0)).toBe('fstat(1, {st_mode=S_IFCHR|0600, st_rdev=makedev(0x88, 0), ...}) = 0');
    stat(t, S, 0o20666, 0x103, 0);
    expect(line(t, 'fstat', [1, S], 0)).toBe('fstat(1, {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}) = 0');
    stat(t, S, 0o10600, 0, 0);
    poke(t, S + 0x200, [0]);
    expect(line(t, 'newfstatat', [1, S + 0x200, S, 0x1000], 0)).toBe(
      'newfstatat(1, "", {st_mode=S_IFIFO|0600, st_size=0, ...}, AT_EMPTY_PATH) = 0',
    );
    stat(t, S, 0o100755, 0, 3);
    poke(t, S + 0x200, [...enc('/etc/hostname'), 0]);
    expect(line(t, 'newfstatat', [-100, S + 0x200, S, 0], 0)).toBe(
      'newfstatat(AT_FDCWD, "/etc/hostname", {st_mode=S_IFREG|0755, st_size=3, ...}, 0) = 0',
    );
    poke(t, S + 0x200, [...enc('/nonexistent'), 0]);
    expect(line(t, 'newfstatat', [-100, S + 0x200, S, 0], -Errno.ENOENT)).toBe(
      'newfstatat(AT_FDCWD, "/nonexistent", 0x10000000, 0) = -1 ENOENT (No such file or directory)',
    );
    poke(t, S + 0x200, [...enc('/'), 0]);
    expect(line(t, 'newfstatat', [-100, S + 0x200, S, 0x3901], -Errno.EINVAL)).toBe(
      'newfstatat(AT_FDCWD, "/", 0x10000000, AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT|AT_EMPTY_PATH|0x2001) = -1 EINVAL (Invalid argument)',
    );
    expect(line(t, 'fstat', [99, S], -Errno.EBADF)).toBe('fstat(99, 0x10000000)                   = -1 EBADF (Bad file descriptor)');
  });

  it('writev and readv iovec arrays', () => {
    const t = setup();
    poke(t, S, enc('abcd\n'));
    poke(t, S + 0x100, u64s([S, 2, S + 2, 3]));
    expect(line(t, 'writev', [1, S + 0x100, 2], 5)).toBe(
      'writev(1, [{iov_base="ab", iov_len=2}, {iov_base="cd\\n", iov_len=3}], 2) = 5',
    );
    poke(t, S + 0x200, new Uint8Array(64));
    poke(t, S + 0x100, u64s([S + 0x200, 3, S + 0x210, 50]));
    expect(line(t, 'readv', [3, S + 0x100, 2], 53)).toBe(
      `readv(3, [{iov_base="\\0\\0\\0", iov_len=3}, {iov_base="${'\\0'.repeat(32)}"..., iov_len=50}], 2) = 53`,
    );
  });

  it('uname, prlimit64, clock_gettime, gettimeofday, time', () => {
    const t = setup();
    const u = new Uint8Array(390);
    u.set(enc('Linux'), 0);
    u.set(enc('vm'), 65);
    poke(t, S, u);
    expect(line(t, 'uname', [S], 0)).toBe('uname({sysname="Linux", nodename="vm", ...}) = 0');
    poke(t, S, u64s([8n << 20n, ~0n]));
    expect(line(t, 'prlimit64', [0, 3, 0, S], 0)).toBe(
      'prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0',
    );
    poke(t, S + 16, u64s([512, 1048576]));
    expect(line(t, 'prlimit64', [0, 7, S + 16, S], -Errno.EPERM)).toBe(
      'prlimit64(0, RLIMIT_NOFILE, {rlim_cur=512, rlim_max=1024*1024}, 0x10000000) = -1 EPERM (Operation not permitted)',
    );
    poke(t, S, u64s([20000, 20000]));
    expect(line(t, 'prlimit64', [0, 7, 0, S], 0)).toBe('prlimit64(0, RLIMIT_NOFILE, NULL, {rlim_cur=20000, rlim_max=20000}) = 0');
    expect(line(t, 'prlimit64', [0, 16, 0, S], -Errno.EINVAL)).toBe(
      'prlimit64(0, 0x10 /* RLIMIT_??? */, NULL, 0x10000000) = -1 EINVAL (Invalid argument)',
    );
    poke(t, S, u64s([677, 672260491]));
    expect(line(t, 'clock_gettime', [1, S], 0)).toBe('clock_gettime(CLOCK_MONOTONIC, {tv_sec=677, tv_nsec=672260491}) = 0');
    expect(line(t, 'clock_gettime', [99, S], -Errno.EINVAL)).toBe(
      'clock_gettime(0x63 /* CLOCK_??? */, 0x10000000) = -1 EINVAL (Invalid argument)',
    );
    poke(t, S, u64s([0, 1559192]));
    expect(line(t, 'clock_gettime', [-2, S], 0)).toBe('clock_gettime(0xfffffffe /* CLOCK_??? */, {tv_sec=0, tv_nsec=1559192}) = 0');
    poke(t, S, u64s([1795979467, 541050, 0]));
    expect(line(t, 'gettimeofday', [S, 0], 0)).toBe('gettimeofday({tv_sec=1795979467, tv_usec=541050}, NULL) = 0');
    expect(line(t, 'gettimeofday', [S, S + 16], 0)).toBe(
      'gettimeofday({tv_sec=1795979467, tv_usec=541050}, {tz_minuteswest=0, tz_dsttime=0}) = 0',
    );
    expect(line(t, 'time', [0], 1795979467)).toBe('time(NULL)                              = 1795979467 (2026-11-29T19:11:07+0000)');
    poke(t, S, u64s([1795979685]));
    expect(line(t, 'time', [S], 1795979685)).toBe(
      'time([1795979685 /* 2026-11-29T19:14:45+0000 */]) = 1795979685 (2026-11-29T19:14:45+0000)',
    );
  });

  it('arch_prctl codes and the GET_FS result', () => {
    const t = setup();
    expect(line(t, 'arch_prctl', [0x1002, 0x4c9380], 0)).toBe('arch_prctl(ARCH_SET_FS, 0x4c9380)       = 0');
    poke(t, S, u64s([0x21cde380]));
    expect(line(t, 'arch_prctl', [0x1003, S], 0)).toBe('arch_prctl(ARCH_GET_FS, [0x21cde380])   = 0');
    expect(line(t, 'arch_prctl', [0x3001, S], -Errno.EINVAL)).toBe(
      'arch_prctl(0x3001 /* ARCH_??? */, 0x10000000) = -1 EINVAL (Invalid argument)',
    );
    expect(line(t, 'arch_prctl', [0x1001, 0], 0)).toBe('arch_prctl(ARCH_SET_GS, 0)              = 0');
    expect(line(t, 'arch_prctl', [0x1011, 0], 1)).toBe('arch_prctl(ARCH_GET_CPUID)              = 1');
    expect(line(t, 'arch_prctl', [0x2001, 0], -Errno.EINVAL)).toBe('arch_prctl(ARCH_MAP_VDSO_X32, 0)        = -1 EINVAL (Invalid argument)');
  });

  it('glibc start-up calls', () => {
    const t = setup();
    expect(line(t, 'set_tid_address', [0x1ef4b650], 12557)).toBe('set_tid_address(0x1ef4b650)             = 12557');
    expect(line(t, 'set_robust_list', [0x1ef4b660, 24], 0)).toBe('set_robust_list(0x1ef4b660, 24)         = 0');
    expect(line(t, 'rseq', [0x1ef4bca0, 0x20, 0, 0x53053053], -Errno.ENOSYS)).toBe(
      'rseq(0x1ef4bca0, 0x20, 0, 0x53053053)   = -1 ENOSYS (Function not implemented)',
    );
    poke(t, S, u64s([1, 2]));
    expect(line(t, 'get_robust_list', [0, S, S + 8], 0)).toBe('get_robust_list(0, [0x1], [2])          = 0');
  });

  it('rt_sigaction and rt_sigprocmask', () => {
    const t = setup();
    poke(t, S, u64s([1, 0, 0, 0, 0, 0, 0, 0]));
    expect(line(t, 'rt_sigaction', [10, S, S + 32, 8], 0)).toBe(
      'rt_sigaction(SIGUSR1, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=0}, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0',
    );
    const mask = (1n << 1n) | (1n << 33n) | (1n << 31n) | (1n << 32n);
    poke(t, S, u64s([0x401615, 0xdc000107n, 0x401000, mask]));
    expect(line(t, 'rt_sigaction', [12, S, S + 32, 8], 0)).toBe(
      'rt_sigaction(SIGUSR2, {sa_handler=0x401615, sa_mask=[INT RTMIN RT_1 RT_2], sa_flags=SA_RESTORER|SA_ONSTACK|' +
        'SA_RESTART|SA_NODEFER|SA_RESETHAND|SA_SIGINFO|SA_NOCLDSTOP|SA_NOCLDWAIT|0x100, sa_restorer=0x401000}, ' +
        '{sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0',
    );
    poke(t, S, u64s([1, 0, 0, 0]));
    expect(line(t, 'rt_sigaction', [9, S, S + 32, 8], -Errno.EINVAL)).toBe(
      'rt_sigaction(SIGKILL, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=0}, 0x10000020, 8) = -1 EINVAL (Invalid argument)',
    );
    poke(t, S, u64s([1, 0, 0, ~((1n << 8n) | (1n << 18n))]));
    expect(line(t, 'rt_sigaction', [12, S, 0, 8], 0)).toBe(
      'rt_sigaction(SIGUSR2, {sa_handler=SIG_IGN, sa_mask=~[KILL STOP], sa_flags=0}, NULL, 8) = 0',
    );
    expect(line(t, 'rt_sigaction', [34, 0, 0, 8], 0)).toBe('rt_sigaction(SIGRT_2, NULL, NULL, 8)    = 0');
    poke(t, S, u64s([(1n << 1n) | (1n << 16n)]));
    expect(line(t, 'rt_sigprocmask', [0, S, 0, 8], 0)).toBe('rt_sigprocmask(SIG_BLOCK, [INT CHLD], NULL, 8) = 0');
    poke(t, S, u64s([~0n, 0]));
    expect(line(t, 'rt_sigprocmask', [0, S, S + 8, 8], 0)).toBe('rt_sigprocmask(SIG_BLOCK, ~[], [], 8)   = 0');
    expect(line(t, 'rt_sigprocmask', [2, S, 0, 4], -Errno.EINVAL)).toBe(
      'rt_sigprocmask(SIG_SETMASK, 0x10000000, NULL, 4) = -1 EINVAL (Invalid argument)',
    );
    expect(line(t, 'rt_sigprocmask', [7, 0, 0, 8], 0)).toBe('rt_sigprocmask(0x7 /* SIG_??? */, NULL, NULL, 8) = 0');
  });

  it('sigaltstack and sched_getaffinity', () => {
    const t = setup();
    poke(t, S, u64s([0, 2, 0]));
    expect(line(t, 'sigaltstack', [0, S], 0)).toBe('sigaltstack(NULL, {ss_sp=NULL, ss_flags=SS_DISABLE, ss_size=0}) = 0');
    poke(t, S, u64s([0x7ffd66e5de10n, 7, 65536]));
    expect(line(t, 'sigaltstack', [S, 0], -Errno.EINVAL)).toBe(
      'sigaltstack({ss_sp=0x7ffd66e5de10, ss_flags=SS_ONSTACK|SS_DISABLE|0x4, ss_size=65536}, NULL) = -1 EINVAL (Invalid argument)',
    );
    poke(t, S, u64s([0x7ffd66e5de10n, 0x80000000n, 65536]));
    expect(line(t, 'sigaltstack', [0, S], 0)).toBe(
      'sigaltstack(NULL, {ss_sp=0x7ffd66e5de10, ss_flags=SS_AUTODISARM, ss_size=65536}) = 0',
    );
    poke(t, S, [3, ...new Array(31).fill(0)]);
    expect(line(t, 'sched_getaffinity', [0, 128, S], 32)).toBe('sched_getaffinity(0, 128, [0 1])        = 32');
    expect(line(t, 'sched_getaffinity', [0, 4, S], -Errno.EINVAL)).toBe(
      'sched_getaffinity(0, 4, 0x10000000)     = -1 EINVAL (Invalid argument)',
    );
  });

  it('ioctl requests', () => {
    const t = setup();
    expect(line(t, 'ioctl', [1, 0x5413, 0x7ffff6aed090], -Errno.ENOTTY)).toBe(
      'ioctl(1, TIOCGWINSZ, 0x7ffff6aed090)    = -1 ENOTTY (Inappropriate ioctl for device)',
    );
    poke(t, S, new Uint8Array(8));
    expect(line(t, 'ioctl', [1, 0x5413, S], 0)).toBe('ioctl(1, TIOCGWINSZ, {ws_row=0, ws_col=0, ws_xpixel=0, ws_ypixel=0}) = 0');
    expect(line(t, 'ioctl', [1, 0x1234, 0], -Errno.ENOTTY)).toBe(
      'ioctl(1, _IOC(_IOC_NONE, 0x12, 0x34, 0), 0) = -1 ENOTTY (Inappropriate ioctl for device)',
    );
    expect(line(t, 'ioctl', [1, 0x80085678, 0], -Errno.ENOTTY)).toBe(
      'ioctl(1, _IOC(_IOC_READ, 0x56, 0x78, 0x8), 0) = -1 ENOTTY (Inappropriate ioctl for device)',
    );
    expect(line(t, 'ioctl', [1, 0x5402, 0], -Errno.ENOTTY)).toBe(
      'ioctl(1, SNDCTL_TMR_START or TCSETS, NULL) = -1 ENOTTY (Inappropriate ioctl for device)',
    );
    expect(line(t, 'ioctl', [99, 0x5451, 0], -Errno.EBADF)).toBe('ioctl(99, FIOCLEX)                      = -1 EBADF (Bad file descriptor)');
  });
});

describe('flag sets of other families', () => {
  it('mmap and mprotect', () => {
    const t = setup();
    expect(line(t, 'mmap', [0, 8192, 3, 0x22, -1, 0], 0x7f974d952000)).toBe(
      'mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f974d952000',
    );
    expect(line(t, 'mmap', [0, 4096, 0x1000007, 0x31, -1, 0x1000], 0)).toBe(
      'mmap(NULL, 4096, PROT_READ|PROT_WRITE|PROT_EXEC|PROT_GROWSDOWN, MAP_SHARED|MAP_FIXED|MAP_ANONYMOUS, -1, 0x1000) = 0',
    );
    expect(line(t, 'mmap', [0x10000, 4096, 0, 0x17f962, -1, 0], -Errno.EINVAL)).toBe(
      'mmap(0x10000, 4096, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_32BIT|MAP_NORESERVE|MAP_POPULATE|MAP_NONBLOCK|' +
        'MAP_GROWSDOWN|MAP_DENYWRITE|MAP_EXECUTABLE|MAP_LOCKED|MAP_STACK|MAP_HUGETLB|MAP_FIXED_NOREPLACE, -1, 0) = -1 EINVAL (Invalid argument)',
    );
    expect(formatFlags('mmap', 0x80000003n)).toBe('MAP_SHARED_VALIDATE|32<<MAP_HUGE_SHIFT');
    expect(formatFlags('mmap', 0n)).toBe('MAP_FILE');
    expect(formatFlags('mmap', 8n)).toBe('0x8 /* MAP_??? */');
    expect(formatFlags('mmap', 0xfn)).toBe('0xf /* MAP_??? */');
    expect(formatFlags('prot', 0x10n)).toBe('0x10 /* PROT_??? */');
    expect(line(t, 'mprotect', [0x7f974d952000, 4096, 0x45], -Errno.EINVAL)).toBe(
      'mprotect(0x7f974d952000, 4096, PROT_READ|PROT_EXEC|0x40) = -1 EINVAL (Invalid argument)',
    );
    expect(line(t, 'mprotect', [0, 0, 0x30], 0)).toBe('mprotect(NULL, 0, 0x30 /* PROT_??? */)  = 0');
  });

  it('clone', () => {
    const t = setup();
    expect(line(t, 'clone', [0x100 | 0x200 | 17, 0x1000, 0, 0, 0], 14003)).toBe(
      'clone(child_stack=0x1000, flags=CLONE_VM|CLONE_FS|SIGCHLD) = 14003',
    );
    const f = (0x100 | 0x200 | 0x400 | 0x10000 | 0x40000 | 0x80000 | 0x100000 | 0x200000) + 0x80000000;
    expect(line(t, 'clone', [f, 0x1000, 0x2000, 0x3000, 0x4000], -Errno.EINVAL)).toBe(
      'clone(child_stack=0x1000, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|' +
        'CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID|CLONE_IO, parent_tid=0x2000, tls=0x4000, child_tidptr=0x3000) = -1 EINVAL (Invalid argument)',
    );
    expect(line(t, 'clone', [0x1ffffffffn, 0, 0, 0, 0], -Errno.EINVAL)).toBe(
      'clone(child_stack=NULL, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_PIDFD|CLONE_PTRACE|CLONE_VFORK|' +
        'CLONE_PARENT|CLONE_THREAD|CLONE_NEWNS|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID|' +
        'CLONE_UNTRACED|CLONE_CHILD_SETTID|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|' +
        'CLONE_NEWNET|CLONE_IO|0x100400000|255, parent_tid=NULL, tls=NULL, child_tidptr=NULL) = -1 EINVAL (Invalid argument)',
    );
    expect(formatFlags('clone', 17n)).toBe('SIGCHLD');
    expect(formatFlags('clone', 0n)).toBe('0');
  });

  it('wait options, signals, open flags', () => {
    const t = setup();
    expect(line(t, 'wait4', [-1, 0, 0x1 | 0x2 | 0x4 | 0x8 | 0x1000000 | 0x20000000 | 0x40000000 | 0x80000000 | 0x100, 0], -Errno.EINVAL)).toBe(
      'wait4(-1, NULL, WNOHANG|WEXITED|WSTOPPED|WCONTINUED|WNOWAIT|__WCLONE|__WALL|__WNOTHREAD|0x100, NULL) = -1 EINVAL (Invalid argument)',
    );
    expect(line(t, 'wait4', [-1, 0, 0, 0], -Errno.ECHILD)).toBe('wait4(-1, NULL, 0, NULL)                = -1 ECHILD (No child processes)');
    expect(line(t, 'kill', [999999, 34], -Errno.ESRCH)).toBe('kill(999999, SIGRT_2)                   = -1 ESRCH (No such process)');
    expect([64, 65, -1, 0, 31, 16, 30].map(signalName)).toEqual(['SIGRT_32', '65', '-1', '0', 'SIGSYS', 'SIGSTKFLT', 'SIGPWR']);
    expect(formatSigset(0xffffffffn)).toBe(
      '[HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT STOP TSTP TTIN TTOU URG ' +
        'XCPU XFSZ VTALRM PROF WINCH IO PWR SYS RTMIN]',
    );
    expect(formatFlags('open', 0n)).toBe('O_RDONLY');
    expect(formatFlags('open', 0o2000000n)).toBe('O_RDONLY|O_CLOEXEC');
    expect(formatFlags('open', 0o1101n)).toBe('O_WRONLY|O_CREAT|O_TRUNC');
    // O_RDWR|O_APPEND|O_NONBLOCK|O_DSYNC|O_DIRECT|O_DIRECTORY|O_NOFOLLOW|O_NOATIME|O_CLOEXEC|O_SYNC|O_PATH|O_TMPFILE|
    // O_EXCL|O_NOCTTY|O_ASYNC, as the native program passed them (glibc's O_LARGEFILE is 0 on x86-64).
    const all = [0o2, 0o2000, 0o4000, 0o10000, 0o40000, 0o200000, 0o400000, 0o1000000, 0o2000000, 0o4010000, 0o10000000,
      0o20200000, 0o200, 0o400, 0o20000].reduce((x, y) => x | BigInt(y), 0n);
    expect(formatFlags('open', all)).toBe(
      'O_RDWR|O_EXCL|O_NOCTTY|O_APPEND|O_NONBLOCK|O_SYNC|O_DIRECT|O_NOFOLLOW|O_NOATIME|O_CLOEXEC|O_PATH|O_TMPFILE|FASYNC',
    );
    expect(formatFlags('open', 0x40000003n)).toBe('O_ACCMODE|0x40000000');
    expect(formatSym('clockid', 11n)).toBe('CLOCK_TAI');
  });

  it('openat with a definition: paths in full, mode only with O_CREAT', () => {
    const t = setup();
    const table: (SyscallDef | undefined)[] = [];
    table[NR.openat] = { name: 'openat', fn: () => 0, support: 'full', args: ['fd', 'str', { flags: 'open' }, 'hex'] };
    const long = '/x/0123456789abcdefghijklmnopqrstuvwxyz/0123456789abcdefghijklmnopqrstuvwxyz';
    poke(t, S, [...enc(long), 0]);
    poke(t, S + 0x100, [...enc('x'), 0]);
    poke(t, S + 0x200, [...enc('/x\n\ty\x01'), 0]);
    const l = (args: (number | bigint)[], r: number) => straceLine(ev(t, 'openat', args, r), { table });
    expect(l([-100, S, 0o2000000, 0], -Errno.ENOENT)).toBe(`openat(AT_FDCWD, "${long}", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)`);
    expect(l([3, S + 0x100, 0o1101, 0o644], -Errno.ENOTDIR)).toBe('openat(3, "x", O_WRONLY|O_CREAT|O_TRUNC, 0644) = -1 ENOTDIR (Not a directory)');
    expect(l([-5, S + 0x200, 0, 0], -Errno.ENOENT)).toBe('openat(-5, "/x\\n\\ty\\1", O_RDONLY)       = -1 ENOENT (No such file or directory)');
    expect(l([-100, 0, 0, 0], -Errno.EFAULT)).toBe('openat(AT_FDCWD, NULL, O_RDONLY)        = -1 EFAULT (Bad address)');
  });
});

describe('pipe and wait4 results', () => {
  it('pipe2 fds and flags, wait4 statuses (strace of a native fork/abort/kill program)', () => {
    const t = setup();
    poke(t, S, [3, 0, 0, 0, 4, 0, 0, 0]);
    expect(line(t, 'pipe2', [S, 0], 0)).toBe('pipe2([3, 4], 0)                        = 0');
    poke(t, S, [5, 0, 0, 0, 6, 0, 0, 0]);
    expect(line(t, 'pipe2', [S, 0o2004000], 0)).toBe('pipe2([5, 6], O_NONBLOCK|O_CLOEXEC)     = 0');
    expect(line(t, 'pipe2', [S, 0], -Errno.EFAULT)).toBe('pipe2(0x10000000, 0)                    = -1 EFAULT (Bad address)');
    poke(t, S, [0, 3, 0, 0]);
    expect(line(t, 'wait4', [1228, S, 0, 0], 1228)).toBe('wait4(1228, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 1228');
    poke(t, S, [6, 0, 0, 0]);
    expect(line(t, 'wait4', [1229, S, 0, 0], 1229)).toBe('wait4(1229, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGABRT}], 0, NULL) = 1229');
    poke(t, S, [0x8b, 0, 0, 0]);
    expect(line(t, 'wait4', [-1, S, 0, 0], 7)).toBe('wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}], 0, NULL) = 7');
    expect(line(t, 'wait4', [-1, S, 1, 0], 0)).toBe('wait4(-1, 0x10000000, WNOHANG, NULL)    = 0');
  });
});

describe('clone3', () => {
  function args(t: Task, at: number, fields: Partial<Record<'flags' | 'pidfd' | 'child_tid' | 'parent_tid' | 'exit_signal' | 'stack' | 'stack_size' | 'tls' | 'set_tid' | 'set_tid_size' | 'cgroup', bigint | number>>): number {
    const order = ['flags', 'pidfd', 'child_tid', 'parent_tid', 'exit_signal', 'stack', 'stack_size', 'tls', 'set_tid', 'set_tid_size', 'cgroup'] as const;
    poke(t, at, u64s(order.map((k) => fields[k] ?? 0)));
    return at;
  }

  it('the struct as strace 6.1 shows it, with the values written back on success', () => {
    const t = setup();
    const a = args(t, S, { exit_signal: 17 });
    expect(line(t, 'clone3', [a, 88], 1598)).toBe('clone3({flags=0, exit_signal=SIGCHLD, stack=NULL, stack_size=0}, 88) = 1598');
    poke(t, S + 0x100, [3, 0, 0, 0, 0x3f, 0x06, 0, 0]);
    const b = args(t, S, { flags: 0x1000 | 0x100000 | 0x200000, pidfd: S + 0x100, child_tid: S + 0x108, parent_tid: S + 0x104, exit_signal: 17 });
    expect(line(t, 'clone3', [b, 88], 1599)).toBe(
      'clone3({flags=CLONE_PIDFD|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, pidfd=0x10000100, child_tid=0x10000108, ' +
        'parent_tid=0x10000104, exit_signal=SIGCHLD, stack=NULL, stack_size=0} => {pidfd=[3], parent_tid=[1599]}, 88) = 1599',
    );
    poke(t, S + 0x200, new Uint8Array(8));
    const c = args(t, S, { flags: 0x80000n | 0x100000000n | 0x200000000n, tls: 0x1234, set_tid: S + 0x200, set_tid_size: 2, stack: 0x1000, stack_size: 0x2000 });
    expect(line(t, 'clone3', [c, 88], -Errno.EINVAL)).toBe(
      'clone3({flags=CLONE_SETTLS|CLONE_CLEAR_SIGHAND|CLONE_INTO_CGROUP, exit_signal=0, stack=0x1000, stack_size=0x2000, ' +
        'tls=0x1234, set_tid=[0, 0], set_tid_size=2, cgroup=0}, 88) = -1 EINVAL (Invalid argument)',
    );
    expect(line(t, 'clone3', [c, 64], -Errno.EINVAL)).toBe(
      'clone3({flags=CLONE_SETTLS|CLONE_CLEAR_SIGHAND|CLONE_INTO_CGROUP, exit_signal=0, stack=0x1000, stack_size=0x2000, tls=0x1234}, 64) = -1 EINVAL (Invalid argument)',
    );
    expect(line(t, 'clone3', [c, 8], -Errno.EINVAL)).toBe('clone3(0x10000000, 8)                   = -1 EINVAL (Invalid argument)');
    expect(line(t, 'clone3', [0, 88], -Errno.EFAULT)).toBe('clone3(NULL, 88)                        = -1 EFAULT (Bad address)');
    args(t, S, { flags: 0x80000n | 0x100000000n | 0x200000000n, tls: 0x1234, set_tid: S + 0x200, set_tid_size: 2, stack: 0x1000, stack_size: 0x2000, exit_signal: 0x100000000n });
    expect(line(t, 'clone3', [S, 88], -Errno.EINVAL)).toBe(
      'clone3({flags=CLONE_SETTLS|CLONE_CLEAR_SIGHAND|CLONE_INTO_CGROUP, exit_signal=4294967296, stack=0x1000, stack_size=0x2000, ' +
        'tls=0x1234, set_tid=[0, 0], set_tid_size=2, cgroup=0}, 88) = -1 EINVAL (Invalid argument)',
    );
  });
});
