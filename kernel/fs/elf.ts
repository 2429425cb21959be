/**
 * ELF64 header and program-header parsing for x86-64 executables (include/uapi/linux/elf.h). Only what the
 * loader needs; errors name the problem in words, for the CLI to print.
 */
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const EM_X86_64 = 62;
export const PT_LOAD = 1;
export const PT_INTERP = 3;
export const PT_PHDR = 6;
export const PT_GNU_STACK = 0x6474e551;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export interface ProgramHeader {
  p_type: number;
  p_flags: number;
  p_offset: number;
  p_vaddr: number;
  p_filesz: number;
  p_memsz: number;
  p_align: number;
}

export interface ElfImage {
  e_type: number;
  e_entry: number;
  e_phoff: number;
  e_phentsize: number;
  e_phnum: number;
  phdrs: ProgramHeader[];
  bytes: Uint8Array;
}

/** Why a file cannot be run; `kind` maps to the shell's exit status (126 cannot execute). */
export class ExecFormatError extends Error {}

/** Parses and checks an executable: ELF magic, 64-bit, little endian, x86-64, ET_EXEC or ET_DYN, no PT_INTERP. */
export function parseElf(bytes: Uint8Array): ElfImage {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 64 || v.getUint32(0, false) !== 0x7f454c46) throw new ExecFormatError('not an ELF file');
  if (bytes[4] !== 2) throw new ExecFormatError('not a 64-bit ELF file');
  if (bytes[5] !== 1) throw new ExecFormatError('not a little-endian ELF file');
  const e_type = v.getUint16(16, true);
  const machine = v.getUint16(18, true);
  if (machine !== EM_X86_64) throw new ExecFormatError(`not an x86-64 executable (e_machine ${machine})`);
  if (e_type !== ET_EXEC && e_type !== ET_DYN) throw new ExecFormatError(`not an executable (e_type ${e_type})`);
  const img: ElfImage = {
    e_type,
    e_entry: Number(v.getBigUint64(24, true)),
    e_phoff: Number(v.getBigUint64(32, true)),
    e_phentsize: v.getUint16(54, true),
    e_phnum: v.getUint16(56, true),
    phdrs: [],
    bytes,
  };
  if (img.e_phentsize !== 56 || img.e_phoff + img.e_phnum * 56 > bytes.length) {
    throw new ExecFormatError('corrupt program headers');
  }
  for (let i = 0; i < img.e_phnum; i++) img.phdrs.push(readPhdr(v, img.e_phoff + i * 56));
  if (img.phdrs.some((p) => p.p_type === PT_INTERP)) {
    throw new ExecFormatError('dynamically linked (has PT_INTERP); sysemu runs static executables only');
  }
  if (!img.phdrs.some((p) => p.p_type === PT_LOAD)) throw new ExecFormatError('no loadable segment');
  for (const p of img.phdrs) {
    if (p.p_type === PT_LOAD && (p.p_offset + p.p_filesz > bytes.length || p.p_filesz > p.p_memsz)) {
      throw new ExecFormatError('truncated or corrupt (a loadable segment lies past the end of the file)');
    }
  }
  return img;
}

function readPhdr(v: DataView, off: number): ProgramHeader {
  return {
    p_type: v.getUint32(off, true),
    p_flags: v.getUint32(off + 4, true),
    p_offset: Number(v.getBigUint64(off + 8, true)),
    p_vaddr: Number(v.getBigUint64(off + 16, true)),
    p_filesz: Number(v.getBigUint64(off + 32, true)),
    p_memsz: Number(v.getBigUint64(off + 40, true)),
    p_align: Number(v.getBigUint64(off + 48, true)),
  };
}
