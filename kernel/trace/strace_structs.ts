/**
 * Arguments strace decodes beyond their C type: structs (stat, rlimit, timespec, sigaction, iovec arrays...),
 * values returned through pointers (`[0x4c9380]`), and calls whose argument list depends on the flags (clone,
 * openat, ioctl). Each decoder prints one argument from the guest memory after the call, in the abbreviated
 * (non-verbose) form of strace 6.1: input structs always, output structs only when the call succeeded, the
 * address when the memory cannot be read.
 */
import type { Task } from '../sched/task.js';
import type { SyscallArgs } from '../arch/x86/syscall_args.js';
import { peekExact, peekU32, peekU64 } from './peek.js';
import { formatAddr, formatBuffer, quoteBytes, STRACE_STRLEN } from './quote.js';
import { formatFlags, formatSigset, hexOrZero, signalName } from './format_flags.js';

/** What a decoder sees: the task (for memory), the arguments, and the outcome. */
export interface DecodeCtx {
  readonly task: Task;
  readonly args: SyscallArgs;
  /** The call returned a non-error value. */
  readonly ok: boolean;
  /** The returned value (signed), or null when the call did not return (exit). */
  readonly ret: bigint | null;
}

/** Prints argument i; null leaves the argument out (strace omits some, e.g. ioctl(fd, FIOCLEX)). */
export type ArgPrinter = (ctx: DecodeCtx, i: number) => string | null;

export interface SyscallDecoder {
  /** Printers by argument index; the others use the SyscallDef's formats. */
  readonly args?: Readonly<Record<number, ArgPrinter>>;
  /** The whole argument list, when names and presence depend on the flags (clone). */
  readonly all?: (ctx: DecodeCtx) => string[];
  /** Extra text after a successful result (time's date). */
  readonly retNote?: (ctx: DecodeCtx) => string;
}

type StructPrinter = (task: Task, addr: number, ctx: DecodeCtx) => string | null;

/** An input struct: printed whenever readable. */
function input(print: StructPrinter): ArgPrinter {
  return (ctx, i) => {
    const addr = ctx.args.ptr(i);
    return addr === 0 ? 'NULL' : (print(ctx.task, addr, ctx) ?? formatAddr(addr));
  };
}

/** An output struct: printed only after success. */
function output(print: StructPrinter): ArgPrinter {
  return (ctx, i) => {
    const addr = ctx.args.ptr(i);
    if (addr === 0 || !ctx.ok) return formatAddr(addr);
    return print(ctx.task, addr, ctx) ?? formatAddr(addr);
  };
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

const S_IFMT_NAMES: Readonly<Record<number, string>> = {
  0o140000: 'S_IFSOCK', 0o120000: 'S_IFLNK', 0o100000: 'S_IFREG', 0o060000: 'S_IFBLK', 0o040000: 'S_IFDIR',
  0o020000: 'S_IFCHR', 0o010000: 'S_IFIFO',
};

/** C's `%#03o`. */
function octal3(v: number): string {
  return v === 0 ? '000' : ('0' + v.toString(8)).padStart(3, '0');
}

function modeString(mode: number): string {
  const type = S_IFMT_NAMES[mode & 0o170000];
  return type ? `${type}|${octal3(mode & 0o7777)}` : octal3(mode);
}

/** makedev(major, minor) of a Linux dev_t (new_encode_dev layout). */
function makedev(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `makedev(${hexOrZero(major)}, ${hexOrZero(minor)})`;
}

/** struct stat (144 bytes): st_mode, then st_rdev for devices or st_size for the rest. */
const statStruct: StructPrinter = (task, addr) => {
  const b = peekExact(task, addr, 144);
  if (!b) return null;
  const v = view(b);
  const mode = v.getUint32(24, true);
  const type = mode & 0o170000;
  const second = type === 0o020000 || type === 0o060000
    ? `st_rdev=${makedev(v.getBigUint64(40, true))}`
    : `st_size=${v.getBigInt64(48, true)}`;
  return `{st_mode=${modeString(mode)}, ${second}, ...}`;
};

/** An rlim64 value: RLIM64_INFINITY, `8192*1024` for multiples of 1024 above 1024, else decimal. */
function rlimValue(v: bigint): string {
  if (v === 0xffffffffffffffffn) return 'RLIM64_INFINITY';
  if (v > 1024n && v % 1024n === 0n) return `${v / 1024n}*1024`;
  return v.toString();
}

const rlimitStruct: StructPrinter = (task, addr) => {
  const b = peekExact(task, addr, 16);
  if (!b) return null;
  const v = view(b);
  return `{rlim_cur=${rlimValue(v.getBigUint64(0, true))}, rlim_max=${rlimValue(v.getBigUint64(8, true))}}`;
};

function pairStruct(a: string, b: string): StructPrinter {
  return (task, addr) => {
    const bytes = peekExact(task, addr, 16);
    if (!bytes) return null;
    const v = view(bytes);
    return `{${a}=${v.getBigInt64(0, true)}, ${b}=${v.getBigInt64(8, true)}}`;
  };
}

const timezoneStruct: StructPrinter = (task, addr) => {
  const b = peekExact(task, addr, 8);
  if (!b) return null;
  const v = view(b);
  return `{tz_minuteswest=${v.getInt32(0, true)}, tz_dsttime=${v.getInt32(4, true)}}`;
};

/** A time_t as strace comments it: 2026-11-29T19:11:07+0000. */
function isoTime(sec: bigint): string {
  const d = new Date(Number(sec) * 1000);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().replace(/\.\d{3}Z$/, '+0000');
}

const timeOut: StructPrinter = (task, addr) => {
  const v = peekU64(task, addr);
  if (v === null) return null;
  const s = BigInt.asIntN(64, v);
  return `[${s} /* ${isoTime(s)} */]`;
};

/** struct new_utsname: six 65-byte strings; strace shows sysname and nodename. */
const utsnameStruct: StructPrinter = (task, addr) => {
  const b = peekExact(task, addr, 390);
  if (!b) return null;
  const field = (i: number) => {
    const f = b.subarray(i * 65, i * 65 + 65);
    const nul = f.indexOf(0);
    return quoteBytes(nul >= 0 ? f.subarray(0, nul) : f);
  };
  return `{sysname=${field(0)}, nodename=${field(1)}, ...}`;
};

function handlerName(h: bigint): string {
  if (h === 0n) return 'SIG_DFL';
  if (h === 1n) return 'SIG_IGN';
  if (h === 0xffffffffffffffffn) return 'SIG_ERR';
  return formatAddr(h);
}

/** struct sigaction (kernel layout, 32 bytes: handler, flags, restorer, mask). */
const sigactionStruct: StructPrinter = (task, addr) => {
  const b = peekExact(task, addr, 32);
  if (!b) return null;
  const v = view(b);
  const flags = v.getBigUint64(8, true);
  const head = `{sa_handler=${handlerName(v.getBigUint64(0, true))}, sa_mask=${formatSigset(v.getBigUint64(24, true))}`;
  const restorer = flags & 0x04000000n ? `, sa_restorer=${formatAddr(v.getBigUint64(16, true))}` : '';
  return `${head}, sa_flags=${formatFlags('sa_flags', flags)}${restorer}}`;
};

/** A sigset_t; strace prints the address when sigsetsize (argument 3) is not 8. */
const sigsetStruct: StructPrinter = (task, addr, ctx) => {
  if (ctx.args.u64(3) !== 8n) return null;
  const v = peekU64(task, addr);
  return v === null ? null : formatSigset(v);
};

/** stack_t (24 bytes: ss_sp, ss_flags, ss_size). */
const stackStruct: StructPrinter = (task, addr) => {
  const b = peekExact(task, addr, 24);
  if (!b) return null;
  const v = view(b);
  const flags = formatFlags('ss_flags', BigInt(v.getUint32(8, true)));
  return `{ss_sp=${formatAddr(v.getBigUint64(0, true))}, ss_flags=${flags}, ss_size=${v.getBigUint64(16, true)}}`;
};

/** A CPU mask of ret bytes: the numbers of the set bits, `[0 1]`. */
const cpuMask: StructPrinter = (task, addr, ctx) => {
  const len = Number(ctx.ret ?? 0n);
  const b = peekExact(task, addr, len);
  if (!b) return null;
  const cpus: number[] = [];
  for (let i = 0; i < len * 8; i++) if (b[i >> 3] & (1 << (i & 7))) cpus.push(i);
  return `[${cpus.join(' ')}]`;
};

const winsizeStruct: StructPrinter = (task, addr) => {
  const b = peekExact(task, addr, 8);
  if (!b) return null;
  const v = view(b);
  const f = (i: number) => v.getUint16(i * 2, true);
  return `{ws_row=${f(0)}, ws_col=${f(1)}, ws_xpixel=${f(2)}, ws_ypixel=${f(3)}}`;
};

const u64Hex: StructPrinter = (task, addr) => {
  const v = peekU64(task, addr);
  return v === null ? null : `[${hexOrZero(v)}]`;
};

const u64Ptr: StructPrinter = (task, addr) => {
  const v = peekU64(task, addr);
  return v === null ? null : `[${formatAddr(v)}]`;
};

const u64Dec: StructPrinter = (task, addr) => {
  const v = peekU64(task, addr);
  return v === null ? null : `[${v}]`;
};

const intOut: StructPrinter = (task, addr) => {
  const v = peekU32(task, addr);
  return v === null ? null : `[${v | 0}]`;
};

/** int[2] of pipe/pipe2: `[3, 4]`. */
const fdPair: StructPrinter = (task, addr) => {
  const b = peekExact(task, addr, 8);
  if (!b) return null;
  const v = view(b);
  return `[${v.getInt32(0, true)}, ${v.getInt32(4, true)}]`;
};

/** A wait status: `[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]`, `[{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV}]`. */
function waitStatus(s: number): string {
  const sig = s & 0x7f;
  if (sig === 0) return `[{WIFEXITED(s) && WEXITSTATUS(s) == ${(s >> 8) & 0xff}}]`;
  if (sig === 0x7f) return s === 0xffff ? '[{WIFCONTINUED(s)}]' : `[{WIFSTOPPED(s) && WSTOPSIG(s) == ${signalName((s >> 8) & 0xff)}}]`;
  return `[{WIFSIGNALED(s) && WTERMSIG(s) == ${signalName(sig)}${s & 0x80 ? ' && WCOREDUMP(s)' : ''}}]`;
}

/** wait4's status: filled only when a child was reaped (result > 0). */
const waitStatusArg: ArgPrinter = (ctx, i) => {
  const addr = ctx.args.ptr(i);
  if (addr === 0 || !ctx.ok || (ctx.ret ?? 0n) <= 0n) return formatAddr(addr);
  const v = peekU32(ctx.task, addr);
  return v === null ? formatAddr(addr) : waitStatus(v);
};

function flagArg(set: string): ArgPrinter {
  return (ctx, i) => formatFlags(set, ctx.args.u64(i));
}

/**
 * An iovec array of argument 2 elements: `[{iov_base="ab", iov_len=2}, ...]`, at most STRACE_STRLEN elements.
 * For reads (dataLimit = the result) each base shows only the bytes the call filled.
 */
function iovecArray(task: Task, addr: number, count: number, dataLimit: number | null): string | null {
  const shown = Math.min(count, STRACE_STRLEN);
  const b = peekExact(task, addr, shown * 16);
  if (!b) return null;
  const v = view(b);
  let left = dataLimit ?? Infinity;
  const items: string[] = [];
  for (let k = 0; k < shown; k++) {
    const base = Number(v.getBigUint64(k * 16, true));
    const len = v.getBigUint64(k * 16 + 8, true);
    const n = Math.min(Number(len), left);
    left -= n;
    items.push(`{iov_base=${formatBuffer(task, base, n)}, iov_len=${len}}`);
  }
  if (count > shown) items.push('...');
  return `[${items.join(', ')}]`;
}

const iovIn: ArgPrinter = (ctx, i) => {
  const addr = ctx.args.ptr(i);
  return iovecArray(ctx.task, addr, ctx.args.uint(2), null) ?? formatAddr(addr);
};

const iovOut: ArgPrinter = (ctx, i) => {
  const addr = ctx.args.ptr(i);
  if (!ctx.ok) return formatAddr(addr);
  return iovecArray(ctx.task, addr, ctx.args.uint(2), Number(ctx.ret)) ?? formatAddr(addr);
};

/** getrandom's buffer: the returned bytes, every byte in hex (strace QUOTE_FORCE_HEX). */
const randomBuf: ArgPrinter = (ctx, i) => {
  const addr = ctx.args.ptr(i);
  return ctx.ok ? formatBuffer(ctx.task, addr, Number(ctx.ret), true) : formatAddr(addr);
};

const ARCH_GET_FS = 0x1003;
const ARCH_GET_GS = 0x1004;
const ARCH_GET_CPUID = 0x1011;

const archPrctlArg: ArgPrinter = (ctx, i) => {
  const code = ctx.args.int(0);
  if (code === ARCH_GET_CPUID) return null;
  if (code === ARCH_GET_FS || code === ARCH_GET_GS) return output(u64Hex)(ctx, i);
  return hexOrZero(ctx.args.u64(i));
};

const IOCTL_NO_ARG = new Set([0x5450, 0x5451]);
const IOCTL_POINTER_ARG = new Set([0x5401, 0x5402, 0x5403, 0x5404, 0x540f, 0x5410, 0x5414, 0x541b, 0x5421]);
const TIOCGWINSZ = 0x5413;

const ioctlArg: ArgPrinter = (ctx, i) => {
  const cmd = ctx.args.uint(1);
  if (IOCTL_NO_ARG.has(cmd)) return null;
  if (cmd === TIOCGWINSZ) return output(winsizeStruct)(ctx, i);
  if (IOCTL_POINTER_ARG.has(cmd)) return formatAddr(ctx.args.u64(i));
  return hexOrZero(ctx.args.u64(i));
};

const O_CREAT = 0o100;
const O_TMPFILE_BIT = 0o20000000;

/** open/openat's mode: shown only with O_CREAT or O_TMPFILE (flags are the argument before it). */
const openMode: ArgPrinter = (ctx, i) => {
  const flags = ctx.args.uint(i - 1);
  return flags & (O_CREAT | O_TMPFILE_BIT) ? octal3(ctx.args.uint(i) & 0o7777) : null;
};

const CLONE_PIDFD = 0x1000n;
const CLONE_SETTLS = 0x80000n;
const CLONE_PARENT_SETTID = 0x100000n;
const CLONE_CHILD_CLEARTID = 0x200000n;
const CLONE_CHILD_SETTID = 0x1000000n;

/** clone(child_stack=, flags=, parent_tid=, tls=, child_tidptr=) with the fields the flags make relevant. */
function cloneArgs(ctx: DecodeCtx): string[] {
  const a = ctx.args;
  const flags = a.u64(0);
  const out = [`child_stack=${formatAddr(a.u64(1))}`, `flags=${formatFlags('clone', flags)}`];
  if (flags & (CLONE_PARENT_SETTID | CLONE_PIDFD)) out.push(`parent_tid=${output(intOut)(ctx, 2)}`);
  if (flags & CLONE_SETTLS) out.push(`tls=${formatAddr(a.u64(4))}`);
  if (flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) out.push(`child_tidptr=${formatAddr(a.u64(3))}`);
  return out;
}

/** An int array of n elements at addr, `[1, 2]`, or null. */
function intArray(task: Task, addr: number, n: number): string | null {
  const b = peekExact(task, addr, n * 4);
  if (!b) return null;
  const v = view(b);
  return `[${Array.from({ length: n }, (_, k) => v.getInt32(k * 4, true)).join(', ')}]`;
}

/** The fields of struct clone_args strace shows, in its order (fetch = bytes read, at most 88). */
function cloneArgsFields(task: Task, v: DataView, fetch: number): string[] {
  const f = (off: number) => (off + 8 <= fetch ? v.getBigUint64(off, true) : 0n);
  const flags = f(0);
  const out = [`flags=${formatFlags('clone3', flags)}`];
  if (flags & CLONE_PIDFD) out.push(`pidfd=${formatAddr(f(8))}`);
  if (flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) out.push(`child_tid=${formatAddr(f(16))}`);
  if (flags & CLONE_PARENT_SETTID) out.push(`parent_tid=${formatAddr(f(24))}`);
  const sig = f(32);
  out.push(`exit_signal=${sig < 0x7fffffffn ? signalName(Number(sig)) : sig}`);
  out.push(`stack=${formatAddr(f(40))}`, `stack_size=${hexOrZero(f(48))}`);
  if (flags & CLONE_SETTLS) out.push(`tls=${formatAddr(f(56))}`);
  const [setTid, setTidSize] = [f(64), f(72)];
  if (setTid || setTidSize) {
    const arr = setTid && setTidSize && setTidSize <= 32n ? intArray(task, Number(setTid), Number(setTidSize)) : null;
    out.push(`set_tid=${arr ?? formatAddr(setTid)}`, `set_tid_size=${setTidSize}`);
  }
  if (fetch > 80 && (f(80) || flags & 0x200000000n)) out.push(`cgroup=${f(80)}`);
  return out;
}

/** What clone3 wrote back on success: ` => {pidfd=[3], parent_tid=[1599]}`, or nothing. */
function cloneArgsResults(ctx: DecodeCtx, v: DataView): string {
  const flags = v.getBigUint64(0, true);
  if (!ctx.ok) return '';
  const out: string[] = [];
  const num = (name: string, off: number) => {
    const p = Number(v.getBigUint64(off, true));
    const n = peekU32(ctx.task, p);
    out.push(`${name}=${n === null ? formatAddr(p) : `[${n | 0}]`}`);
  };
  if (flags & CLONE_PIDFD) num('pidfd', 8);
  if (flags & CLONE_PARENT_SETTID) num('parent_tid', 24);
  return out.length ? ` => {${out.join(', ')}}` : '';
}

/** clone3(args, size): the struct (when at least CLONE_ARGS_SIZE_VER0 = 64 bytes) and the size. */
function clone3Args(ctx: DecodeCtx): string[] {
  const addr = ctx.args.ptr(0);
  const size = ctx.args.u64(1);
  const fetch = Number(size < 88n ? size : 88n);
  const b = fetch >= 64 ? peekExact(ctx.task, addr, fetch) : null;
  if (!b) return [formatAddr(addr), size.toString()];
  const v = view(b);
  return [`{${cloneArgsFields(ctx.task, v, fetch).join(', ')}}${cloneArgsResults(ctx, v)}`, size.toString()];
}

/** Decoders by syscall name. */
export const DECODERS: Readonly<Record<string, SyscallDecoder>> = {
  fstat: { args: { 1: output(statStruct) } },
  newfstatat: { args: { 2: output(statStruct) } },
  readv: { args: { 1: iovOut } },
  writev: { args: { 1: iovIn } },
  uname: { args: { 0: output(utsnameStruct) } },
  prlimit64: { args: { 2: input(rlimitStruct), 3: output(rlimitStruct) } },
  getrlimit: { args: { 1: output(rlimitStruct) } },
  setrlimit: { args: { 1: input(rlimitStruct) } },
  clock_gettime: { args: { 1: output(pairStruct('tv_sec', 'tv_nsec')) } },
  clock_getres: { args: { 1: output(pairStruct('tv_sec', 'tv_nsec')) } },
  gettimeofday: { args: { 0: output(pairStruct('tv_sec', 'tv_usec')), 1: output(timezoneStruct) } },
  time: {
    args: { 0: output(timeOut) },
    retNote: (ctx) => ` (${isoTime(ctx.ret ?? 0n)})`,
  },
  getrandom: { args: { 0: randomBuf } },
  rt_sigaction: { args: { 1: input(sigactionStruct), 2: output(sigactionStruct) } },
  rt_sigprocmask: { args: { 1: input(sigsetStruct), 2: output(sigsetStruct) } },
  sigaltstack: { args: { 0: input(stackStruct), 1: output(stackStruct) } },
  sched_getaffinity: { args: { 2: output(cpuMask) } },
  arch_prctl: { args: { 1: archPrctlArg } },
  get_robust_list: { args: { 1: output(u64Ptr), 2: output(u64Dec) } },
  ioctl: { args: { 2: ioctlArg } },
  open: { args: { 2: openMode } },
  openat: { args: { 3: openMode } },
  clone: { all: cloneArgs },
  clone3: { all: clone3Args },
  pipe: { args: { 0: output(fdPair) } },
  pipe2: { args: { 0: output(fdPair), 1: flagArg('pipe2') } },
  dup3: { args: { 2: flagArg('dup3') } },
  wait4: { args: { 1: waitStatusArg } },
};
