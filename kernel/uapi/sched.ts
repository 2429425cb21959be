/**
 * Clone flags and `struct clone_args` (include/uapi/linux/sched.h), and the legacy flag mask
 * (include/linux/sched/task.h). Flags are 64-bit: bigint.
 */
export const CSIGNAL = 0x000000ffn;
export const CLONE_NEWTIME = 0x00000080n;
export const CLONE_VM = 0x00000100n;
export const CLONE_FS = 0x00000200n;
export const CLONE_FILES = 0x00000400n;
export const CLONE_SIGHAND = 0x00000800n;
export const CLONE_PIDFD = 0x00001000n;
export const CLONE_PTRACE = 0x00002000n;
export const CLONE_VFORK = 0x00004000n;
export const CLONE_PARENT = 0x00008000n;
export const CLONE_THREAD = 0x00010000n;
export const CLONE_NEWNS = 0x00020000n;
export const CLONE_SYSVSEM = 0x00040000n;
export const CLONE_SETTLS = 0x00080000n;
export const CLONE_PARENT_SETTID = 0x00100000n;
export const CLONE_CHILD_CLEARTID = 0x00200000n;
export const CLONE_DETACHED = 0x00400000n;
export const CLONE_UNTRACED = 0x00800000n;
export const CLONE_CHILD_SETTID = 0x01000000n;
export const CLONE_NEWCGROUP = 0x02000000n;
export const CLONE_NEWUTS = 0x04000000n;
export const CLONE_NEWIPC = 0x08000000n;
export const CLONE_NEWUSER = 0x10000000n;
export const CLONE_NEWPID = 0x20000000n;
export const CLONE_NEWNET = 0x40000000n;
export const CLONE_IO = 0x80000000n;
export const CLONE_CLEAR_SIGHAND = 0x100000000n;
export const CLONE_INTO_CGROUP = 0x200000000n;

/** The flags legacy clone() can express: the low 32 bits. */
export const CLONE_LEGACY_FLAGS = 0xffffffffn;

/** Every namespace flag copy_namespaces() handles (CLONE_NEWUSER is separate). */
export const CLONE_NEW_NS_FLAGS =
  CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME;

/** Sizes of `struct clone_args` versions, in bytes (offsetofend of tls, set_tid_size, cgroup). */
export const CLONE_ARGS_SIZE_VER0 = 64;
export const CLONE_ARGS_SIZE_VER1 = 80;
export const CLONE_ARGS_SIZE_VER2 = 88;

/** Byte offsets of `struct clone_args` fields (every field is a u64). */
export const CLONE_ARGS = {
  flags: 0, pidfd: 8, child_tid: 16, parent_tid: 24, exit_signal: 32, stack: 40, stack_size: 48, tls: 56,
  set_tid: 64, set_tid_size: 72, cgroup: 80,
} as const;

export type CloneArgsField = keyof typeof CLONE_ARGS;

/** Decoded `struct clone_args` (u64 fields as bigint, Linux's names). */
export type CloneArgsStruct = Record<CloneArgsField, bigint>;

/** Reads every field of a kernel copy of clone_args (88 bytes). */
export function decodeCloneArgs(bytes: Uint8Array): CloneArgsStruct {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = {} as CloneArgsStruct;
  for (const [k, off] of Object.entries(CLONE_ARGS)) out[k as CloneArgsField] = v.getBigUint64(off, true);
  return out;
}
