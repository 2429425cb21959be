/**
 * The host end of the guest's standard streams. The kernel never touches host file descriptors itself; `emu/`
 * passes an implementation on Node's fs, and tests pass an in-memory one.
 */
export type HostFdKind = 'tty' | 'fifo' | 'file' | 'chr';

export interface HostIo {
  /** Writes bytes to host fd 0..2; returns the count written or -errno. */
  write(fd: number, data: Uint8Array): number;
  /** Reads up to buf.length bytes from host fd 0; returns the count (0 at end of file) or -errno. */
  read(fd: number, buf: Uint8Array): number;
  /** Whether the host fd is a terminal (decides TCGETS / TIOCGWINSZ results). */
  isatty(fd: number): boolean;
  /** What the host fd is, which decides what fstat reports and how a partly unreadable write ends. */
  kind(fd: number): HostFdKind;
  /** Terminal size of a tty fd: rows and columns. */
  winsize(fd: number): { rows: number; cols: number };
}
