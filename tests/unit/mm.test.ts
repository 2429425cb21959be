// Expected results were checked against the reference kernel (Linux 6.18, x86-64 with pkeys, vm.mmap_min_addr
// 4096) with small C probes under `setarch -R`.
import { describe, it, expect } from 'vitest';
import { FakeCpu } from '../helpers/fake_cpu.js';
import { MmStruct, DEFAULT_MMAP_BASE } from '../../kernel/mm/mm_struct.js';
import { sysBrk, sysMmap, sysMprotect, sysMunmap } from '../../kernel/mm/mmap.js';
import { makeTestTask } from '../helpers/fake_cpu.js';
import { SyscallArgs } from '../../kernel/arch/x86/syscall_args.js';
import { SYSCALL_ARG_SLOTS, newPtRegs } from '../../kernel/arch/x86/ptregs.js';
import {
  MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_GROWSDOWN, MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE,
  PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE, TASK_SIZE_MAX,
} from '../../kernel/uapi/mman.js';
import { MAP_32BIT, PROT_GROWSDOWN, PROT_GROWSUP, PROT_SEM } from '../../kernel/mm/vma.js';
import { Errno } from '../../kernel/uapi/errno.js';

const P = 0x1000;
const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const FIXED = ANON | MAP_FIXED;

function newMm(): { mm: MmStruct; cpu: FakeCpu } {
  const cpu = new FakeCpu();
  return { mm: new MmStruct(cpu), cpu };
}

/** The VMAs as [start, end, prot], which must equal the CPU's mapped ranges (the sync invariant). */
function synced(mm: MmStruct, cpu: FakeCpu): Array<[number, number, number]> {
  const vmas: Array<[number, number, number]> = [...mm.vmas].map((v) => [v.start, v.end, v.prot]);
  expect(cpu.mappedRanges()).toEqual(vmas);
  return vmas;
}

function args(...vals: Array<number | bigint>): SyscallArgs {
  const regs = newPtRegs();
  vals.forEach((v, i) => { regs[SYSCALL_ARG_SLOTS[i]] = BigInt.asUintN(64, BigInt(v)); });
  return new SyscallArgs(regs);
}

describe('MmStruct.mmap', () => {
  it('places mappings top-down below mmapBase and merges neighbours', () => {
    const { mm, cpu } = newMm();
    expect(mm.mmap(0, P, RW, ANON)).toBe(DEFAULT_MMAP_BASE - P);
    expect(mm.mmap(0, 2 * P + 1, RW, ANON)).toBe(DEFAULT_MMAP_BASE - 4 * P);
    expect(synced(mm, cpu)).toEqual([[DEFAULT_MMAP_BASE - 4 * P, DEFAULT_MMAP_BASE, RW]]);
    expect(mm.mappedBytes()).toBe(4 * P);
  });

  it('rejects bad lengths, types and addresses like Linux', () => {
    const { mm, cpu } = newMm();
    expect(mm.mmap(0, 0, RW, ANON)).toBe(-Errno.EINVAL);
    expect(mm.mmap(0, 2 ** 64 - 101, RW, ANON)).toBe(-Errno.ENOMEM);
    expect(mm.mmap(0, 2 ** 47, RW, ANON)).toBe(-Errno.ENOMEM);
    expect(mm.mmap(0, 0, RW, MAP_ANONYMOUS)).toBe(-Errno.EINVAL);
    expect(mm.mmap(0, 2 ** 50, RW, MAP_ANONYMOUS)).toBe(-Errno.ENOMEM);
    expect(mm.mmap(0, P, RW, MAP_ANONYMOUS)).toBe(-Errno.EINVAL);
    expect(mm.mmap(0, P, RW, MAP_ANONYMOUS | 4)).toBe(-Errno.EINVAL);
    expect(mm.mmap(0, P, RW, MAP_ANONYMOUS | MAP_SHARED_VALIDATE)).toBe(-Errno.EINVAL);
    expect(mm.mmap(0, P, RW, MAP_ANONYMOUS | MAP_SHARED | MAP_GROWSDOWN)).toBe(-Errno.EINVAL);
    expect(mm.mmap(0x10000001, P, RW, FIXED)).toBe(-Errno.EINVAL);
    expect(mm.mmap(0x10000001, P, RW, ANON | MAP_FIXED_NOREPLACE)).toBe(-Errno.EINVAL);
    expect(mm.mmap(TASK_SIZE_MAX, P, RW, FIXED)).toBe(-Errno.ENOMEM);
    expect(synced(mm, cpu)).toEqual([]);
  });

  it('ignores unknown flag and prot bits', () => {
    const { mm, cpu } = newMm();
    expect(mm.mmap(0, P, RW | 0x10, ANON | 0x80000000)).toBe(DEFAULT_MMAP_BASE - P);
    expect(synced(mm, cpu)).toEqual([[DEFAULT_MMAP_BASE - P, DEFAULT_MMAP_BASE, RW]]);
  });

  it('uses a free hint (rounded down), skips an occupied or tiny one', () => {
    const { mm } = newMm();
    expect(mm.mmap(0x30000123, P, RW, ANON)).toBe(0x30000000);
    expect(mm.mmap(0x30000000, P, RW, ANON)).toBe(DEFAULT_MMAP_BASE - P);
    expect(mm.mmap(0x10, P, RW, ANON)).toBe(DEFAULT_MMAP_BASE - 2 * P);
    expect(mm.mmap(0x2ffff000, 2 * P, RW, ANON)).toBe(DEFAULT_MMAP_BASE - 4 * P);
  });

  it('maps at exactly the requested address with MAP_FIXED, even page 0 (root may)', () => {
    const { mm, cpu } = newMm();
    expect(mm.mmap(0, P, RW, FIXED)).toBe(0);
    expect(mm.mmap(0x1000, P, PROT_READ, FIXED)).toBe(0x1000);
    expect(synced(mm, cpu)).toEqual([[0, 0x1000, RW], [0x1000, 0x2000, PROT_READ]]);
  });

  it('MAP_FIXED replaces existing pages: unmapped first, zero-filled, neighbours kept', () => {
    const { mm, cpu } = newMm();
    expect(mm.mmap(0x20000000, 3 * P, RW, FIXED)).toBe(0x20000000);
    cpu.write(0x20000000, new Uint8Array(3 * P).fill(0xaa));
    expect(mm.mmap(0x20001000, P, PROT_READ, FIXED)).toBe(0x20001000);
    expect(synced(mm, cpu)).toEqual([
      [0x20000000, 0x20001000, RW], [0x20001000, 0x20002000, PROT_READ], [0x20002000, 0x20003000, RW],
    ]);
    const got = new Uint8Array(3);
    cpu.read(0x20000fff, got);
    expect([...got]).toEqual([0xaa, 0, 0]);
  });

  it('MAP_FIXED_NOREPLACE over a mapping is EEXIST and changes nothing', () => {
    const { mm, cpu } = newMm();
    mm.mmap(0x20000000, 3 * P, RW, FIXED);
    expect(mm.mmap(0x20001000, P, PROT_READ, ANON | MAP_FIXED_NOREPLACE)).toBe(-Errno.EEXIST);
    expect(mm.mmap(0x20003000, P, PROT_READ, ANON | MAP_FIXED_NOREPLACE)).toBe(0x20003000);
    expect(synced(mm, cpu)).toEqual([[0x20000000, 0x20003000, RW], [0x20003000, 0x20004000, PROT_READ]]);
  });

  it('MAP_32BIT goes bottom-up from 1 GiB', () => {
    const { mm } = newMm();
    expect(mm.mmap(0x12345000, P, RW, ANON | MAP_32BIT)).toBe(0x40000000);
    expect(mm.mmap(0, P, RW, ANON | MAP_32BIT)).toBe(0x40001000);
  });

  it('is ENOMEM when no gap is large enough anywhere', () => {
    const { mm } = newMm();
    expect(mm.mmap(0, TASK_SIZE_MAX - 0x10000, RW, ANON)).toBe(-Errno.ENOMEM);
  });
});

describe('MmStruct.munmap', () => {
  it('splits an area and unmaps only the range from the CPU', () => {
    const { mm, cpu } = newMm();
    mm.mmap(0x20000000, 3 * P, RW, FIXED);
    expect(mm.munmap(0x20001000, 1)).toBe(0);
    expect(synced(mm, cpu)).toEqual([[0x20000000, 0x20001000, RW], [0x20002000, 0x20003000, RW]]);
    expect(mm.munmap(0x20000000, 3 * P)).toBe(0);
    expect(synced(mm, cpu)).toEqual([]);
  });

  it('returns EINVAL for zero length, unaligned address, range past TASK_SIZE; 0 for a hole', () => {
    const { mm } = newMm();
    mm.mmap(0x20000000, P, RW, FIXED);
    expect(mm.munmap(0x20000000, 0)).toBe(-Errno.EINVAL);
    expect(mm.munmap(0x20000001, P)).toBe(-Errno.EINVAL);
    expect(mm.munmap(TASK_SIZE_MAX, 2 * P)).toBe(-Errno.EINVAL);
    expect(mm.munmap(0x1000, 2 ** 64 - 0x2001)).toBe(-Errno.EINVAL);
    expect(mm.munmap(0x50000000, P)).toBe(0);
    expect(mm.mappedBytes()).toBe(P);
  });
});

describe('MmStruct.mprotect', () => {
  it('splits into three areas and keeps the CPU protections in sync', () => {
    const { mm, cpu } = newMm();
    mm.mmap(0x20000000, 3 * P, RW, FIXED);
    expect(mm.mprotect(0x20001000, P, PROT_READ)).toBe(0);
    expect(synced(mm, cpu)).toEqual([
      [0x20000000, 0x20001000, RW], [0x20001000, 0x20002000, PROT_READ], [0x20002000, 0x20003000, RW],
    ]);
    expect(mm.protAt(0x20001abc)).toBe(PROT_READ);
    expect(mm.protAt(0x20003000)).toBe(-1);
  });

  it('over a hole changes the mapped prefix, then returns ENOMEM (as Linux)', () => {
    const { mm, cpu } = newMm();
    mm.mmap(0x20000000, 3 * P, RW, FIXED);
    mm.munmap(0x20002000, P);
    expect(mm.mprotect(0x20000000, 3 * P, PROT_READ)).toBe(-Errno.ENOMEM);
    expect(synced(mm, cpu)).toEqual([[0x20000000, 0x20002000, PROT_READ]]);
    expect(mm.mprotect(0x20002000, P, PROT_READ)).toBe(-Errno.ENOMEM);
  });

  it('validates like do_mprotect_pkey', () => {
    const { mm, cpu } = newMm();
    mm.mmap(0x20000000, P, RW, FIXED);
    expect(mm.mprotect(0x20000001, P, PROT_READ)).toBe(-Errno.EINVAL);
    expect(mm.mprotect(0x20000000, 0, PROT_READ)).toBe(0);
    expect(mm.mprotect(0x50000000, 0, PROT_READ)).toBe(0);
    expect(mm.mprotect(0x20000000, P, 0x10)).toBe(-Errno.EINVAL);
    expect(mm.mprotect(0x20000000, P, 2 ** 32 + PROT_READ)).toBe(-Errno.EINVAL);
    expect(mm.mprotect(0x20000000, P, PROT_GROWSDOWN | PROT_GROWSUP)).toBe(-Errno.EINVAL);
    expect(mm.mprotect(0x20000000, P, PROT_GROWSDOWN | PROT_READ)).toBe(-Errno.EINVAL);
    expect(mm.mprotect(0x20000000, P, PROT_GROWSUP | PROT_READ)).toBe(-Errno.EINVAL);
    expect(mm.mprotect(0x20000000, 2 ** 64 - 0x1001, PROT_READ)).toBe(-Errno.ENOMEM);
    expect(mm.mprotect(0x20000000, P, PROT_SEM | PROT_READ)).toBe(0);
    expect(synced(mm, cpu)).toEqual([[0x20000000, 0x20001000, PROT_READ]]);
  });

  it('PROT_GROWSDOWN extends the change down to the start of a grows-down area', () => {
    const { mm, cpu } = newMm();
    mm.mmap(0x50000000, 4 * P, RW, FIXED | MAP_GROWSDOWN);
    expect(mm.mprotect(0x50002000, P, PROT_READ | PROT_GROWSDOWN)).toBe(0);
    expect(synced(mm, cpu)).toEqual([[0x50000000, 0x50003000, PROT_READ], [0x50003000, 0x50004000, RW]]);
  });
});

describe('MmStruct.setBrk', () => {
  function heapMm(): { mm: MmStruct; cpu: FakeCpu } {
    const r = newMm();
    r.mm.startBrk = r.mm.brk = 0x4d0000;
    return r;
  }

  it('reads, grows within and across pages, and shrinks', () => {
    const { mm, cpu } = heapMm();
    expect(mm.setBrk(0)).toBe(0x4d0000);
    expect(mm.setBrk(0x4d0010)).toBe(0x4d0010);
    expect(synced(mm, cpu)).toEqual([[0x4d0000, 0x4d1000, RW]]);
    expect(mm.setBrk(0x4d2010)).toBe(0x4d2010);
    expect(synced(mm, cpu)).toEqual([[0x4d0000, 0x4d3000, RW]]);
    expect([...mm.vmas].map((v) => v.name)).toEqual(['[heap]']);
    expect(mm.setBrk(0x4d2fff)).toBe(0x4d2fff);
    expect(mm.setBrk(0x4d0008)).toBe(0x4d0008);
    expect(synced(mm, cpu)).toEqual([[0x4d0000, 0x4d1000, RW]]);
    expect(mm.setBrk(0x4cf000)).toBe(0x4d0008);
    expect(mm.brk).toBe(0x4d0008);
  });

  it('keeps a page free below the next mapping', () => {
    const { mm, cpu } = heapMm();
    mm.mmap(0x4d5000, P, RW, FIXED);
    expect(mm.setBrk(0x4d4000)).toBe(0x4d4000);
    expect(mm.setBrk(0x4d4001)).toBe(0x4d4000);
    expect(mm.setBrk(0x4d3ff0)).toBe(0x4d3ff0);
    expect(synced(mm, cpu)).toEqual([[0x4d0000, 0x4d4000, RW], [0x4d5000, 0x4d6000, RW]]);
  });

  it('refuses to shrink into a hole the guest unmapped, and to grow past TASK_SIZE', () => {
    const { mm } = heapMm();
    mm.setBrk(0x4d2000);
    mm.munmap(0x4d0000, 2 * P);
    expect(mm.setBrk(0x4d1000)).toBe(0x4d2000);
    expect(mm.setBrk(TASK_SIZE_MAX + 1)).toBe(0x4d2000);
  });
});

describe('MmStruct.dup and release', () => {
  it('dup copies every area and byte into the new CPU; the copies are independent', () => {
    const { mm, cpu } = newMm();
    mm.startBrk = mm.brk = 0x4d0000;
    mm.setBrk(0x4d1800);
    mm.mmap(0x20000000, 0x300000, PROT_READ | PROT_EXEC, FIXED);
    cpu.write(0x201fffff, new Uint8Array([1, 2, 3]));
    const childCpu = new FakeCpu();
    const child = mm.dup(childCpu);
    expect(synced(child, childCpu)).toEqual(synced(mm, cpu));
    expect(child.brk).toBe(0x4d1800);
    const got = new Uint8Array(3);
    childCpu.read(0x201fffff, got);
    expect([...got]).toEqual([1, 2, 3]);
    childCpu.write(0x20000000, new Uint8Array([9]));
    cpu.read(0x20000000, got.subarray(0, 1));
    expect(got[0]).toBe(0);
    child.munmap(0x20000000, P);
    expect(mm.mappedBytes() - child.mappedBytes()).toBe(P);
  });

  it('release unmaps everything and closes the CPU, once', () => {
    const { mm, cpu } = newMm();
    mm.mmap(0, 3 * P, RW, ANON);
    mm.mmap(0x10000, P, PROT_NONE, FIXED);
    mm.release();
    expect(cpu.closed).toBe(true);
    expect(cpu.pages.size).toBe(0);
    expect(mm.mappedBytes()).toBe(0);
    expect(() => mm.release()).not.toThrow();
  });
});

describe('mmap syscalls', () => {
  it('sysMmap: unaligned offset EINVAL first; fd ignored for anonymous; file mappings EBADF/ENODEV', () => {
    const task = makeTestTask();
    expect(sysMmap(task, args(0, 0, RW, MAP_ANONYMOUS, -1, 1))).toBe(-Errno.EINVAL);
    expect(sysMmap(task, args(0, P, RW, ANON, 5, 0x1000))).toBe(DEFAULT_MMAP_BASE - P);
    expect(sysMmap(task, args(0, P, RW, MAP_PRIVATE, -1, 0))).toBe(-Errno.EBADF);
    expect(sysMmap(task, args(0, P, RW, MAP_PRIVATE, 3, 0))).toBe(-Errno.ENODEV);
    expect(sysMmap(task, args(0x20000000, P, RW, FIXED, -1, 0))).toBe(0x20000000);
  });

  it('sysMprotect, sysMunmap and sysBrk decode their arguments', () => {
    const task = makeTestTask();
    task.mm.startBrk = task.mm.brk = 0x4d0000;
    sysMmap(task, args(0x20000000, 2 * P, RW, FIXED, -1, 0));
    expect(sysMprotect(task, args(0x20000000, P, PROT_READ))).toBe(0);
    expect(sysMprotect(task, args(0x20000000, P, (1n << 40n) | 1n))).toBe(-Errno.EINVAL);
    expect(sysMunmap(task, args(0x20001000, P))).toBe(0);
    expect(sysMunmap(task, args(-1n, P))).toBe(-Errno.EINVAL);
    expect(sysBrk(task, args(0))).toBe(0x4d0000);
    expect(sysBrk(task, args(0x4d0100))).toBe(0x4d0100);
    expect(sysBrk(task, args(-1n))).toBe(0x4d0100);
    expect(task.mm.mappedBytes()).toBe(2 * P);
  });
});
