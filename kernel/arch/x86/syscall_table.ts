/**
 * The x86-64 syscall table: number -> {name, handler, support, note}. Data only: each family exports its entries
 * and this file indexes them by the number the uapi header gives their name. Numbers without an entry are
 * sys_ni_syscall (-ENOSYS). Linux: arch/x86/entry/syscalls/syscall_64.tbl.
 */
import { NR } from '../../uapi/unistd_64.gen.js';
import type { SyscallDef } from './syscall_def.js';
import { exitSyscalls } from '../../exit.js';
import { forkSyscalls } from '../../fork.js';
import { waitSyscalls } from '../../wait.js';
import { idSyscalls } from '../../sys_ids.js';
import { signalSyscalls } from '../../signal.js';
import { unshareSyscalls } from '../../unshare.js';
import { mmSyscalls } from '../../mm/mmap.js';
import { fdSyscalls } from '../../fs/fd_syscalls.js';
import { uprobeSyscalls } from './uprobes.js';
import { pollSyscalls } from '../../fs/select.js';
import { pidfdSyscalls } from '../../fs/pidfd.js';
import { readWriteSyscalls } from '../../fs/read_write.js';
import { statSyscalls } from '../../fs/stat.js';
import { ioctlSyscalls } from '../../fs/ioctl.js';
import { readlinkSyscalls } from '../../fs/readlink.js';
import { sysSyscalls } from '../../sys.js';
import { timeSyscalls } from '../../time.js';
import { randomSyscalls } from '../../random.js';
import { processSyscalls } from './process.js';
import { taskMiscSyscalls } from '../../task_misc.js';
import { futexSyscalls } from '../../futex.js';
import { schedSyscalls } from '../../sched_syscalls.js';

export type SyscallTable = readonly (SyscallDef | undefined)[];

/** Every family's entries. */
export const FAMILIES: readonly (readonly SyscallDef[])[] = [
  exitSyscalls,
  forkSyscalls,
  waitSyscalls,
  idSyscalls,
  signalSyscalls,
  unshareSyscalls,
  mmSyscalls,
  fdSyscalls,
  uprobeSyscalls,
  pollSyscalls,
  pidfdSyscalls,
  readWriteSyscalls,
  statSyscalls,
  ioctlSyscalls,
  readlinkSyscalls,
  sysSyscalls,
  timeSyscalls,
  randomSyscalls,
  processSyscalls,
  taskMiscSyscalls,
  futexSyscalls,
  schedSyscalls,
];

/** Builds the table; throws (an emulator bug) on an unknown name or a number defined twice. */
export function syscallTable(extra: readonly SyscallDef[] = []): SyscallTable {
  const table: (SyscallDef | undefined)[] = [];
  for (const def of [...FAMILIES.flat(), ...extra]) {
    const nr = (NR as Record<string, number>)[def.name];
    if (nr === undefined) throw new Error(`syscall table: no number for ${def.name}`);
    if (table[nr]) throw new Error(`syscall table: ${def.name} (${nr}) defined twice`);
    table[nr] = def;
  }
  return table;
}

/** The name of a syscall number for traces ("syscall_0x3e8" for numbers Linux does not define, as strace). */
export function syscallName(nr: number): string {
  return NAME_OF[nr] ?? `syscall_${nr < 0 ? nr : '0x' + nr.toString(16)}`;
}

const NAME_OF: string[] = [];
for (const [name, nr] of Object.entries(NR)) NAME_OF[nr] = name;
