/**
 * One completed syscall as strace prints it: `write(1, "Hello\n", 6)                  = 6`. The call text is padded
 * to column 39 (strace's -a 40, prefix included) before ` = `; errors read `= -1 ENOSYS (Function not implemented)`;
 * a call that does not return (exit, exit_group) reads `= ?`. Arguments come from the SyscallDef's formats, with the
 * struct decoders of strace_structs.ts on top; numbers without a definition print six hex words, as strace does for
 * `syscall_0x3e8(...)`. Memory is read with the fault-tolerant peek, never through uaccess.
 */
import { SyscallArgs } from '../arch/x86/syscall_args.js';
import type { SyscallDef } from '../arch/x86/syscall_def.js';
import { syscallName, type SyscallTable } from '../arch/x86/syscall_table.js';
import { isControl, type SyscallResult } from '../sched/syscall_control.js';
import { errnoName, MAX_ERRNO } from '../uapi/errno.js';
import type { SyscallEvent } from './event.js';
import type { ArgFormat } from './format_args.js';
import { errnoText } from './errno_text.js';
import { formatFlags, formatSym, hexOrZero } from './format_flags.js';
import { formatAddr, formatBuffer, formatPath } from './quote.js';
import { DECODERS, type DecodeCtx } from './strace_structs.js';

export interface StraceOptions {
  /** Text before the call, e.g. `[pid 12] ` (it counts toward the column, as in strace). */
  readonly prefix?: string;
  /** Where to find the SyscallDef of the number (default: the task's kernel's table). */
  readonly table?: SyscallTable;
}

/** strace's default alignment column (-a 40): ` = ` starts at column 39 when the call is shorter. */
export const STRACE_COLUMN = 40;

/** Syscalls whose {buf} argument is filled by the call: printed from the result, the address on error. */
const OUTPUT_BUFFERS = new Set(['read', 'pread64', 'readlink', 'readlinkat']);

const AT_FDCWD = -100;

/** The strace line of ev, without a newline. */
export function straceLine(ev: SyscallEvent, opts: StraceOptions = {}): string {
  const name = syscallName(ev.nr);
  const table = opts.table ?? ev.task.kernel.table;
  const def = ev.nr >= 0 ? table[ev.nr] : undefined;
  const ret = returnedValue(ev.result);
  const ctx: DecodeCtx = { task: ev.task, args: new SyscallArgs(ev.regs), ret, ok: ret !== null && !isError(ret) };
  const call = `${opts.prefix ?? ''}${name}(${formatArgs(name, def, ctx).join(', ')})`;
  return `${call.padEnd(STRACE_COLUMN - 1)} = ${formatReturn(name, def, ctx)}`;
}

/** The value a result stands for (signed), or null when the call does not return to the caller. */
function returnedValue(r: SyscallResult): bigint | null {
  if (!isControl(r)) return BigInt.asIntN(64, BigInt(r));
  if (r.kind === 'exec') return 0n;
  if (r.kind === 'yield') return BigInt.asIntN(64, BigInt(r.result));
  return null;
}

function isError(v: bigint): boolean {
  return v < 0n && v >= BigInt(-MAX_ERRNO);
}

function formatArgs(name: string, def: SyscallDef | undefined, ctx: DecodeCtx): string[] {
  const decoder = DECODERS[name];
  if (decoder?.all) return decoder.all(ctx);
  const formats: readonly ArgFormat[] = def?.args ?? ['hex', 'hex', 'hex', 'hex', 'hex', 'hex'];
  const out: string[] = [];
  formats.forEach((f, i) => {
    const special = decoder?.args?.[i];
    const s = special ? special(ctx, i) : formatArg(name, f, i, ctx);
    if (s !== null) out.push(s);
  });
  return out;
}

/** One argument by its declared format. */
export function formatArg(name: string, f: ArgFormat, i: number, ctx: DecodeCtx): string {
  const a = ctx.args;
  if (typeof f === 'object') {
    if ('flags' in f) return formatFlags(f.flags, a.u64(i));
    if ('sym' in f) return formatSym(f.sym, a.u64(i));
    return formatBufArg(name, f.buf, i, ctx);
  }
  switch (f) {
    case 'int': return String(a.int(i));
    case 'uint': return String(a.uint(i));
    case 'long': return a.long(i).toString();
    case 'ulong': return a.u64(i).toString();
    case 'hex': return hexOrZero(a.u64(i));
    case 'ptr': return formatAddr(a.u64(i));
    case 'fd': return a.int(i) === AT_FDCWD ? 'AT_FDCWD' : String(a.int(i));
    case 'str': return formatPath(ctx.task, a.ptr(i));
  }
}

/** A buffer whose length is argument lenIdx, or for reads the result. */
function formatBufArg(name: string, lenIdx: number, i: number, ctx: DecodeCtx): string {
  const addr = ctx.args.ptr(i);
  if (!OUTPUT_BUFFERS.has(name)) return formatBuffer(ctx.task, addr, ctx.args.size(lenIdx));
  return ctx.ok ? formatBuffer(ctx.task, addr, Number(ctx.ret)) : formatAddr(ctx.args.u64(i));
}

function formatReturn(name: string, def: SyscallDef | undefined, ctx: DecodeCtx): string {
  const v = ctx.ret;
  if (v === null) return '?';
  if (isError(v)) return formatError(Number(-v));
  const note = DECODERS[name]?.retNote?.(ctx) ?? '';
  return (def?.ret === 'hex' ? hexOrZero(BigInt.asUintN(64, v)) : v.toString()) + note;
}

/** `-1 ENOENT (No such file or directory)`; `-1 ERRNO_600 (Unknown error 600)` for numbers without a name. */
export function formatError(nr: number): string {
  return `-1 ${errnoName(nr) ?? `ERRNO_${nr}`} (${errnoText(nr)})`;
}
