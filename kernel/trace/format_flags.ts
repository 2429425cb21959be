/**
 * Symbolic names of flag words and constants as strace prints them (strace 6.1, the version on the reference
 * machine): `PROT_READ|PROT_WRITE`, `MAP_PRIVATE|MAP_ANONYMOUS`, `CLONE_VM|SIGCHLD`, `ARCH_SET_FS`,
 * `0x3001 /* ARCH_??? *\/`. Tables list names in strace's order, since a flag word prints its names in table order,
 * each name consuming its bits, the rest in hex. Values are the x86-64 uapi numbers.
 */
import { _NSIG } from '../uapi/signal.js';

type Entry = readonly [name: string, value: bigint];

/** A flag word: names in print order, the name of 0 (PROT_NONE...), the argument width, the `/* X??? *\/` prefix. */
interface FlagSet {
  readonly entries: readonly Entry[];
  readonly zero?: string;
  readonly bits: 32 | 64;
  readonly unknown: string;
}

/** A value table: one name per value; unknown values print as `0x.. /* X??? *\/` (or decimal when dec is set). */
interface SymTable {
  readonly names: ReadonlyMap<bigint, string>;
  readonly bits: 32 | 64;
  readonly unknown: string;
}

function e(list: ReadonlyArray<readonly [string, number | bigint]>): Entry[] {
  return list.map(([n, v]) => [n, BigInt(v)] as const);
}

const PROT = e([
  ['PROT_READ', 0x1], ['PROT_WRITE', 0x2], ['PROT_EXEC', 0x4], ['PROT_SEM', 0x8], ['PROT_GROWSDOWN', 0x01000000],
  ['PROT_GROWSUP', 0x02000000],
]);

/** MAP_* bits other than the map type, in strace's order (MAP_ABOVE4G and MAP_DROPPABLE are newer than 6.1). */
const MAP_BITS = e([
  ['MAP_FIXED', 0x10], ['MAP_ANONYMOUS', 0x20], ['MAP_32BIT', 0x40], ['MAP_NORESERVE', 0x4000],
  ['MAP_POPULATE', 0x8000], ['MAP_NONBLOCK', 0x10000], ['MAP_GROWSDOWN', 0x100], ['MAP_DENYWRITE', 0x800],
  ['MAP_EXECUTABLE', 0x1000], ['MAP_LOCKED', 0x2000], ['MAP_STACK', 0x20000], ['MAP_HUGETLB', 0x40000],
  ['MAP_SYNC', 0x80000], ['MAP_FIXED_NOREPLACE', 0x100000],
]);

const CLONE = e([
  ['CLONE_VM', 0x100], ['CLONE_FS', 0x200], ['CLONE_FILES', 0x400], ['CLONE_SIGHAND', 0x800],
  ['CLONE_PIDFD', 0x1000], ['CLONE_PTRACE', 0x2000], ['CLONE_VFORK', 0x4000], ['CLONE_PARENT', 0x8000],
  ['CLONE_THREAD', 0x10000], ['CLONE_NEWNS', 0x20000], ['CLONE_SYSVSEM', 0x40000], ['CLONE_SETTLS', 0x80000],
  ['CLONE_PARENT_SETTID', 0x100000], ['CLONE_CHILD_CLEARTID', 0x200000], ['CLONE_UNTRACED', 0x800000],
  ['CLONE_CHILD_SETTID', 0x1000000], ['CLONE_NEWCGROUP', 0x2000000], ['CLONE_NEWUTS', 0x4000000],
  ['CLONE_NEWIPC', 0x8000000], ['CLONE_NEWUSER', 0x10000000], ['CLONE_NEWPID', 0x20000000],
  ['CLONE_NEWNET', 0x40000000], ['CLONE_IO', 0x80000000],
]);

/** O_* bits after the access mode; composite flags (O_SYNC, O_TMPFILE) come before the bits they contain. */
const OPEN_BITS = e([
  ['O_CREAT', 0o100], ['O_EXCL', 0o200], ['O_NOCTTY', 0o400], ['O_TRUNC', 0o1000], ['O_APPEND', 0o2000],
  ['O_NONBLOCK', 0o4000], ['O_SYNC', 0o4010000], ['__O_SYNC', 0o4000000], ['O_DSYNC', 0o10000],
  ['O_DIRECT', 0o40000], ['O_LARGEFILE', 0o100000], ['O_NOFOLLOW', 0o400000], ['O_NOATIME', 0o1000000],
  ['O_CLOEXEC', 0o2000000], ['O_PATH', 0o10000000], ['O_TMPFILE', 0o20200000], ['__O_TMPFILE', 0o20000000],
  ['O_DIRECTORY', 0o200000], ['FASYNC', 0o20000],
]);

const FLAG_SETS: Readonly<Record<string, FlagSet>> = {
  prot: { entries: PROT, zero: 'PROT_NONE', bits: 64, unknown: 'PROT_???' },
  wait: {
    entries: e([
      ['WNOHANG', 1], ['WEXITED', 4], ['WSTOPPED', 2], ['WCONTINUED', 8], ['WNOWAIT', 0x1000000],
      ['__WCLONE', 0x80000000], ['__WALL', 0x40000000], ['__WNOTHREAD', 0x20000000],
    ]),
    bits: 32,
    unknown: 'W???',
  },
  at: {
    entries: e([
      ['AT_SYMLINK_NOFOLLOW', 0x100], ['AT_REMOVEDIR', 0x200], ['AT_SYMLINK_FOLLOW', 0x400],
      ['AT_NO_AUTOMOUNT', 0x800], ['AT_EMPTY_PATH', 0x1000], ['AT_RECURSIVE', 0x8000],
    ]),
    bits: 32,
    unknown: 'AT_???',
  },
  grnd: { entries: e([['GRND_NONBLOCK', 1], ['GRND_RANDOM', 2], ['GRND_INSECURE', 4]]), bits: 32, unknown: 'GRND_???' },
  sa_flags: {
    entries: e([
      ['SA_RESTORER', 0x04000000], ['SA_ONSTACK', 0x08000000], ['SA_RESTART', 0x10000000],
      ['SA_NODEFER', 0x40000000], ['SA_RESETHAND', 0x80000000], ['SA_SIGINFO', 4], ['SA_NOCLDSTOP', 1],
      ['SA_NOCLDWAIT', 2],
    ]),
    bits: 64,
    unknown: 'SA_???',
  },
  clone3: {
    entries: [...CLONE, ...e([['CLONE_CLEAR_SIGHAND', 0x100000000n], ['CLONE_INTO_CGROUP', 0x200000000n]])],
    bits: 64,
    unknown: 'CLONE_???',
  },
  pipe2: {
    entries: e([['O_NOTIFICATION_PIPE', 0o200], ['O_NONBLOCK', 0o4000], ['O_DIRECT', 0o40000], ['O_CLOEXEC', 0o2000000]]),
    bits: 32,
    unknown: 'O_???',
  },
  dup3: { entries: e([['O_CLOEXEC', 0o2000000]]), bits: 32, unknown: 'O_???' },
  ss_flags: {
    entries: e([['SS_ONSTACK', 1], ['SS_DISABLE', 2], ['SS_AUTODISARM', 0x80000000]]),
    bits: 32,
    unknown: 'SS_???',
  },
};

function table(bits: 32 | 64, unknown: string, list: ReadonlyArray<readonly [string, number]>): SymTable {
  return { names: new Map(list.map(([n, v]) => [BigInt(v), n])), bits, unknown };
}

const RLIMIT_NAMES = [
  'CPU', 'FSIZE', 'DATA', 'STACK', 'CORE', 'RSS', 'NPROC', 'NOFILE', 'MEMLOCK', 'AS', 'LOCKS', 'SIGPENDING',
  'MSGQUEUE', 'NICE', 'RTPRIO', 'RTTIME',
];

const CLOCK_NAMES = [
  'REALTIME', 'MONOTONIC', 'PROCESS_CPUTIME_ID', 'THREAD_CPUTIME_ID', 'MONOTONIC_RAW', 'REALTIME_COARSE',
  'MONOTONIC_COARSE', 'BOOTTIME', 'REALTIME_ALARM', 'BOOTTIME_ALARM', 'SGI_CYCLE', 'TAI',
];

const FUTEX_CMDS = [
  'WAIT', 'WAKE', 'FD', 'REQUEUE', 'CMP_REQUEUE', 'WAKE_OP', 'LOCK_PI', 'UNLOCK_PI', 'TRYLOCK_PI', 'WAIT_BITSET',
  'WAKE_BITSET', 'WAIT_REQUEUE_PI', 'CMP_REQUEUE_PI', 'LOCK_PI2',
];

/** futex ops as strace names them: FUTEX_<CMD>[_PRIVATE][|FUTEX_CLOCK_REALTIME] (private 128, realtime 256). */
function futexOps(): [string, number][] {
  return FUTEX_CMDS.flatMap((c, v) => [
    [`FUTEX_${c}`, v], [`FUTEX_${c}_PRIVATE`, v | 128],
    [`FUTEX_${c}|FUTEX_CLOCK_REALTIME`, v | 256], [`FUTEX_${c}_PRIVATE|FUTEX_CLOCK_REALTIME`, v | 384],
  ] as [string, number][]);
}

const SYM_TABLES: Readonly<Record<string, SymTable>> = {
  futex_op: table(32, 'FUTEX_???', futexOps()),
  arch_prctl: table(32, 'ARCH_???', [
    ['ARCH_SET_GS', 0x1001], ['ARCH_SET_FS', 0x1002], ['ARCH_GET_FS', 0x1003], ['ARCH_GET_GS', 0x1004],
    ['ARCH_GET_CPUID', 0x1011], ['ARCH_SET_CPUID', 0x1012], ['ARCH_GET_XCOMP_SUPP', 0x1021],
    ['ARCH_GET_XCOMP_PERM', 0x1022], ['ARCH_REQ_XCOMP_PERM', 0x1023], ['ARCH_GET_XCOMP_GUEST_PERM', 0x1024],
    ['ARCH_REQ_XCOMP_GUEST_PERM', 0x1025], ['ARCH_MAP_VDSO_X32', 0x2001], ['ARCH_MAP_VDSO_32', 0x2002],
    ['ARCH_MAP_VDSO_64', 0x2003],
  ]),
  clockid: table(32, 'CLOCK_???', CLOCK_NAMES.map((n, i) => [`CLOCK_${n}`, i] as const)),
  rlimit: table(32, 'RLIMIT_???', RLIMIT_NAMES.map((n, i) => [`RLIMIT_${n}`, i] as const)),
  sigprocmask_how: table(32, 'SIG_???', [['SIG_BLOCK', 0], ['SIG_UNBLOCK', 1], ['SIG_SETMASK', 2]]),
};

/** ioctl requests strace names on x86-64 (a few terminal ones; TCSETS is ambiguous in strace's tables). */
const IOCTL_NAMES = new Map<number, string>([
  [0x5401, 'TCGETS'], [0x5402, 'SNDCTL_TMR_START or TCSETS'], [0x5403, 'SNDCTL_TMR_STOP or TCSETSW'],
  [0x5404, 'SNDCTL_TMR_CONTINUE or TCSETSF'], [0x540f, 'TIOCGPGRP'], [0x5410, 'TIOCSPGRP'],
  [0x5413, 'TIOCGWINSZ'], [0x5414, 'TIOCSWINSZ'], [0x541b, 'FIONREAD'], [0x5421, 'FIONBIO'],
  [0x5450, 'FIONCLEX'], [0x5451, 'FIOCLEX'],
]);

function hex(v: bigint): string {
  return '0x' + v.toString(16);
}

function unknownValue(v: bigint, prefix: string): string {
  return `${hex(v)} /* ${prefix} */`;
}

/** The names of entries whose bits are all in v (each consuming its bits), in table order, and the leftover bits. */
function takeNames(entries: readonly Entry[], value: bigint): { names: string[]; rest: bigint } {
  let rest = value;
  const names: string[] = [];
  for (const [name, bits] of entries) {
    if (bits !== 0n && (rest & bits) === bits) {
      names.push(name);
      rest &= ~bits;
    }
  }
  return { names, rest };
}

/** Names, then leftover bits in hex; a word with no known bit prints as `0x.. /* X??? *\/`. strace printflags. */
function printFlags(set: FlagSet, raw: bigint): string {
  const v = BigInt.asUintN(set.bits, raw);
  if (v === 0n) return set.zero ?? '0';
  const { names, rest } = takeNames(set.entries, v);
  if (names.length === 0) return unknownValue(v, set.unknown);
  return [...names, ...(rest !== 0n ? [hex(rest)] : [])].join('|');
}

/** Bits after a leading symbol (the map type, the access mode): names, then the leftover in plain hex. */
function trailingFlags(entries: readonly Entry[], v: bigint): string[] {
  const { names, rest } = takeNames(entries, v);
  return rest !== 0n ? [...names, hex(rest)] : names;
}

/** mmap flags: the map type by value, then the other bits, then the huge page size. strace print_mmap_flags(). */
function mmapFlags(raw: bigint): string {
  const v = BigInt.asUintN(64, raw);
  const typeNames: Record<string, string> = { '0': 'MAP_FILE', '1': 'MAP_SHARED', '2': 'MAP_PRIVATE', '3': 'MAP_SHARED_VALIDATE' };
  const type = v & 0xfn;
  const huge = (v >> 26n) & 0x3fn;
  const rest = v & ~0xfn & ~(0x3fn << 26n);
  const parts = [typeNames[type.toString()] ?? unknownValue(type, 'MAP_???'), ...trailingFlags(MAP_BITS, rest)];
  if (huge !== 0n) parts.push(`${huge}<<MAP_HUGE_SHIFT`);
  return parts.join('|');
}

/** open flags: the access mode by value, then the other bits. strace tprint_open_modes(). */
function openFlags(raw: bigint): string {
  const v = BigInt.asUintN(32, raw);
  const modes = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'];
  return [modes[Number(v & 3n)], ...trailingFlags(OPEN_BITS, v & ~3n)].join('|');
}

/** clone flags: CLONE_* names then the exit signal of the low byte. strace SYS_FUNC(clone). */
function cloneFlags(raw: bigint): string {
  const v = BigInt.asUintN(64, raw);
  const sig = Number(v & 0xffn);
  const flags = v & ~0xffn;
  if (flags === 0n) return signalName(sig);
  const names = printFlags({ entries: CLONE, bits: 64, unknown: 'CLONE_???' }, flags);
  return sig ? `${names}|${signalName(sig)}` : names;
}

const SPECIAL_FLAGS: Readonly<Record<string, (v: bigint) => string>> = {
  mmap: mmapFlags,
  open: openFlags,
  clone: cloneFlags,
};

/**
 * A flag word in strace's notation. set is one of: prot, mmap, clone, open, wait, at, grnd, sa_flags, ss_flags,
 * pipe2 (pipe2's flags: 0 prints as 0), dup3, clone3 (clone_args.flags);
 * raw is the register value (bits above the set's width are ignored). Unknown set names print hex.
 */
export function formatFlags(set: string, raw: bigint): string {
  const special = SPECIAL_FLAGS[set];
  if (special) return special(raw);
  const s = FLAG_SETS[set];
  return s ? printFlags(s, raw) : hex(BigInt.asUintN(64, raw));
}

/**
 * A single constant in strace's notation. table is one of: arch_prctl, clockid, futex_op, rlimit, sigprocmask_how,
 * signal, ioctl. Unknown values print as `0x10 /* RLIMIT_??? *\/`; signals print as numbers; ioctls as `_IOC(...)`.
 */
export function formatSym(tableName: string, raw: bigint): string {
  if (tableName === 'signal') return signalName(Number(BigInt.asIntN(32, raw)));
  if (tableName === 'ioctl') return ioctlName(Number(BigInt.asUintN(32, raw)));
  const t = SYM_TABLES[tableName];
  if (!t) return hex(BigInt.asUintN(64, raw));
  const v = BigInt.asUintN(t.bits, raw);
  return t.names.get(v) ?? unknownValue(v, t.unknown);
}

/** Signal names of x86-64 (kernel order; SIGIOT/SIGPOLL aliases are not used). */
const SIGNAL_NAMES = [
  '0', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1',
  'SIGSEGV', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP',
  'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR',
  'SIGSYS', 'SIGRTMIN',
];

/** "SIGCHLD" for 17, "SIGRTMIN" for 32, "SIGRT_2" for 34, the number itself outside 1..64 (strace signame()). */
export function signalName(sig: number): string {
  if (sig >= 0 && sig < SIGNAL_NAMES.length) return SIGNAL_NAMES[sig];
  if (sig > 32 && sig <= _NSIG) return `SIGRT_${sig - 32}`;
  return String(sig);
}

/**
 * A sigset_t of 64 bits (bit n-1 = signal n) as strace prints it: `[INT CHLD]`, or the complement `~[KILL STOP]`
 * when more than half the signals are in the set.
 */
export function formatSigset(mask: bigint): string {
  const m = BigInt.asUintN(64, mask);
  let count = 0;
  for (let s = 1; s <= _NSIG; s++) if ((m >> BigInt(s - 1)) & 1n) count++;
  const invert = count > _NSIG / 2;
  const names: string[] = [];
  for (let s = 1; s <= _NSIG; s++) {
    const inSet = ((m >> BigInt(s - 1)) & 1n) === 1n;
    if (inSet !== invert) names.push(signalName(s).replace(/^SIG/, ''));
  }
  return `${invert ? '~' : ''}[${names.join(' ')}]`;
}

/** An ioctl request: its name, or `_IOC(dir, type, nr, size)` decoded from the x86 encoding. */
function ioctlName(cmd: number): string {
  const known = IOCTL_NAMES.get(cmd);
  if (known) return known;
  const dirs = ['_IOC_NONE', '_IOC_WRITE', '_IOC_READ', '_IOC_READ|_IOC_WRITE'];
  const dir = dirs[(cmd >>> 30) & 3];
  const type = (cmd >>> 8) & 0xff;
  const nr = cmd & 0xff;
  const size = (cmd >>> 16) & 0x3fff;
  return `_IOC(${dir}, ${hexOrZero(type)}, ${hexOrZero(nr)}, ${hexOrZero(size)})`;
}

/** C's `%#x`: 0 prints as "0", everything else as 0x... */
export function hexOrZero(v: number | bigint): string {
  const b = BigInt(v);
  return b === 0n ? '0' : hex(b);
}
