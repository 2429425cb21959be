/**
 * The initial process stack of a new image, laid out as Linux's exec does (fs/exec.c copy_strings and
 * fs/binfmt_elf.c create_elf_tables): from the top, a NULL word, the executable name (AT_EXECFN), the environment
 * strings, the argument strings, the platform string, 16 AT_RANDOM bytes, then (16-byte aligned) argc, argv[],
 * NULL, envp[], NULL and the auxiliary vector. Built in JS and written with one copy. There is no vDSO, so no
 * AT_SYSINFO_EHDR: every time call is a real syscall, visible in traces.
 */
import type { LoadedImage } from './binfmt_elf.js';

export const AT = {
  NULL: 0, PHDR: 3, PHENT: 4, PHNUM: 5, PAGESZ: 6, BASE: 7, FLAGS: 8, ENTRY: 9, UID: 11, EUID: 12, GID: 13,
  EGID: 14, PLATFORM: 15, HWCAP: 16, CLKTCK: 17, SECURE: 23, RANDOM: 25, HWCAP2: 26, RSEQ_FEATURE_SIZE: 27,
  RSEQ_ALIGN: 28, EXECFN: 31, MINSIGSTKSZ: 51,
} as const;

/** CPUID.1:EDX features of the emulated CPU as AT_HWCAP, and Linux's values of the constant entries. */
const HWCAP = 0x178bfbffn;
const MINSIGSTKSZ = 3376n;
const CLK_TCK = 100n;
const PLATFORM = 'x86_64';
/** offsetof(struct rseq, end) and __alignof__(struct rseq) of Linux 6.3+ (rseq itself is ENOSYS in sysemu). */
const RSEQ_FEATURE_SIZE = 28n;
const RSEQ_ALIGN = 32n;

export interface StackInput {
  top: number;
  argv: string[];
  envp: string[];
  execfn: string;
  random: Uint8Array;
  image: LoadedImage;
  uid: number;
  gid: number;
}

export interface StackImage {
  /** Initial rsp (points at argc). */
  sp: number;
  /** Lowest address written; the bytes to write at `sp` are in `bytes`. */
  bytes: Uint8Array;
  /** Addresses of the argument and environment areas (for /proc/<pid>/cmdline later). */
  argStart: number;
  envEnd: number;
}

const enc = new TextEncoder();

/** Rounds down to 16 bytes (arithmetic: addresses exceed 32 bits, where JS bit operators stop). */
function align16(n: number): number {
  return n - (n % 16);
}

function cstr(s: string): Uint8Array {
  const b = enc.encode(s);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

/** Places strings downward from p (last string highest, as copy_strings does); returns addresses in order. */
function placeStrings(chunks: Map<number, Uint8Array>, p: { at: number }, list: string[]): number[] {
  const addrs = new Array<number>(list.length);
  for (let i = list.length - 1; i >= 0; i--) {
    const b = cstr(list[i]);
    p.at -= b.length;
    chunks.set(p.at, b);
    addrs[i] = p.at;
  }
  return addrs;
}

function auxv(inp: StackInput, execfn: number, platform: number, random: number): bigint[] {
  const im = inp.image;
  const pairs: [number, bigint][] = [
    [AT.MINSIGSTKSZ, MINSIGSTKSZ], [AT.HWCAP, HWCAP], [AT.PAGESZ, 4096n], [AT.CLKTCK, CLK_TCK],
    [AT.PHDR, BigInt(im.phdr)], [AT.PHENT, BigInt(im.phent)], [AT.PHNUM, BigInt(im.phnum)], [AT.BASE, 0n],
    [AT.FLAGS, 0n], [AT.ENTRY, BigInt(im.entry)], [AT.UID, BigInt(inp.uid)], [AT.EUID, BigInt(inp.uid)],
    [AT.GID, BigInt(inp.gid)], [AT.EGID, BigInt(inp.gid)], [AT.SECURE, 0n], [AT.RANDOM, BigInt(random)],
    [AT.HWCAP2, 0n], [AT.EXECFN, BigInt(execfn)], [AT.PLATFORM, BigInt(platform)],
    [AT.RSEQ_FEATURE_SIZE, RSEQ_FEATURE_SIZE], [AT.RSEQ_ALIGN, RSEQ_ALIGN], [AT.NULL, 0n],
  ];
  return pairs.flatMap(([k, v]) => [BigInt(k), v]);
}

/** Lays out the stack below `top`. Linux: create_elf_tables(). */
export function buildExecStack(inp: StackInput): StackImage {
  const chunks = new Map<number, Uint8Array>();
  const p = { at: inp.top - 8 };
  const [execfn] = placeStrings(chunks, p, [inp.execfn]);
  const envEnd = p.at;
  const envAddrs = placeStrings(chunks, p, inp.envp);
  const argAddrs = placeStrings(chunks, p, inp.argv);
  const argStart = p.at;
  p.at = align16(p.at);
  const [platform] = placeStrings(chunks, p, [PLATFORM]);
  p.at -= 16;
  chunks.set(p.at, inp.random);
  const random = p.at;
  const words = [
    BigInt(inp.argv.length), ...argAddrs.map(BigInt), 0n, ...envAddrs.map(BigInt), 0n,
    ...auxv(inp, execfn, platform, random),
  ];
  const sp = align16(p.at - words.length * 8);
  chunks.set(sp, new Uint8Array(BigUint64Array.from(words).buffer));
  const bytes = new Uint8Array(inp.top - sp);
  for (const [addr, b] of chunks) bytes.set(b, addr - sp);
  return { sp, bytes, argStart, envEnd };
}
