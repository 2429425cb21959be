/** HostIo on Node's synchronous fs calls: the guest's standard streams are the host process's fds 0-2. */
import { fstatSync, readSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { HostFdKind, HostIo } from '../kernel/fs/host_io.js';

function kindOf(fd: number): HostFdKind {
  if (isatty(fd)) return 'tty';
  try {
    const st = fstatSync(fd);
    if (st.isFIFO() || st.isSocket()) return 'fifo';
    return st.isFile() ? 'file' : 'chr';
  } catch {
    return 'fifo';
  }
}

const EAGAIN = 11;
const EPIPE = 32;
const EIO = 5;

function errnoOf(e: unknown): number {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EAGAIN') return -EAGAIN;
  if (code === 'EPIPE') return -EPIPE;
  if (code === 'EOF') return 0;
  return -EIO;
}

export const nodeHostIo: HostIo = {
  write(fd, data) {
    try {
      let done = 0;
      while (done < data.length) done += writeSync(fd, data, done, data.length - done);
      return done;
    } catch (e) {
      return errnoOf(e);
    }
  },
  read(fd, buf) {
    for (;;) {
      try {
        return readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        // A non-blocking host stdin: wait for data rather than expose EAGAIN the guest never asked for.
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
          continue;
        }
        return errnoOf(e);
      }
    }
  },
  isatty(fd) {
    return isatty(fd);
  },
  kind: kindOf,
  winsize(fd) {
    const s = fd === 2 ? process.stderr : process.stdout;
    return { rows: s.rows ?? 24, cols: s.columns ?? 80 };
  },
};
