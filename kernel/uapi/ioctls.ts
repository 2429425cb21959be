/** Terminal ioctls and file-type bits (include/uapi/asm-generic/ioctls.h, termbits.h; include/uapi/linux/stat.h). */

export const TCGETS = 0x5401;
export const TIOCGWINSZ = 0x5413;

export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFREG = 0o100000;

/** struct winsize {u16 ws_row, ws_col, ws_xpixel, ws_ypixel}: 8 bytes. */
export function winsizeBytes(rows: number, cols: number): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint16(0, rows, true);
  v.setUint16(2, cols, true);
  return b;
}

/**
 * struct termios (kernel layout, 36 bytes: c_iflag, c_oflag, c_cflag, c_lflag u32, c_line u8, c_cc[19]) with the
 * flags of a fresh Linux pty in cooked mode (ICRNL|IXON, OPOST|ONLCR, B38400|CS8|CREAD, ISIG|ICANON|ECHO...).
 */
export function termiosBytes(): Uint8Array {
  const b = new Uint8Array(36);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x500, true);
  v.setUint32(4, 0x5, true);
  v.setUint32(8, 0xbf, true);
  v.setUint32(12, 0x8a3b, true);
  b.set([3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0], 17);
  return b;
}
