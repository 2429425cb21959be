/**
 * How --strace prints one syscall argument, in strace's notation. A format names the argument's C type; some read
 * guest memory (strings, buffers) through a fault-tolerant peek that is not a user copy (no fault injection, no
 * sweep event), as strace reads the tracee with process_vm_readv.
 */
export type ArgFormat =
  | 'int' // signed 32-bit decimal
  | 'uint' // unsigned 32-bit decimal
  | 'long' // signed 64-bit decimal
  | 'ulong' // unsigned 64-bit decimal
  | 'hex' // 0x...
  | 'ptr' // NULL or 0x...
  | 'fd' // int; AT_FDCWD for -100
  | 'str' // NUL-terminated string at the address
  | { buf: number } // buffer whose length is argument n (on return for reads)
  | { flags: string } // a flag set name known to format_flags.ts (e.g. 'clone', 'prot', 'mmap')
  | { sym: string }; // a single symbolic constant from a table in format_flags.ts (e.g. 'arch_prctl')
