import { describe, it, expect } from 'vitest';
import { VmaSet, STACK_GUARD_GAP, type Vma } from '../../kernel/mm/vma.js';
import { MAP_ANONYMOUS, MAP_GROWSDOWN, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from '../../kernel/uapi/mman.js';

const P = 0x1000;
const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

function vma(start: number, end: number, prot = RW, flags = ANON, name = ''): Vma {
  return { start, end, prot, flags, name };
}

function ranges(s: VmaSet): Array<[number, number, number]> {
  return [...s].map((v) => [v.start, v.end, v.prot]);
}

describe('VmaSet', () => {
  it('finds the area containing an address, end exclusive', () => {
    const s = new VmaSet();
    s.insert(vma(0x10000, 0x12000));
    s.insert(vma(0x20000, 0x21000, PROT_READ));
    expect(s.find(0x10000)?.start).toBe(0x10000);
    expect(s.find(0x11fff)?.start).toBe(0x10000);
    expect(s.find(0x12000)).toBeUndefined();
    expect(s.find(0xffff)).toBeUndefined();
    expect(s.find(0x20fff)?.prot).toBe(PROT_READ);
    expect(s.findNext(0x12000)?.start).toBe(0x20000);
    expect(s.count).toBe(2);
  });

  it('merges adjacent private areas with equal attributes, not shared or different ones', () => {
    const s = new VmaSet();
    s.insert(vma(0x10000, 0x11000));
    s.insert(vma(0x11000, 0x12000));
    expect(ranges(s)).toEqual([[0x10000, 0x12000, RW]]);
    s.insert(vma(0x12000, 0x13000, PROT_READ));
    s.insert(vma(0x13000, 0x14000, RW, MAP_SHARED | MAP_ANONYMOUS));
    s.insert(vma(0x14000, 0x15000, RW, MAP_SHARED | MAP_ANONYMOUS));
    expect(s.count).toBe(4);
  });

  it('throws on overlap or misalignment (caller bugs)', () => {
    const s = new VmaSet();
    s.insert(vma(0x10000, 0x12000));
    expect(() => s.insert(vma(0x11000, 0x13000))).toThrow();
    expect(() => s.insert(vma(0xf000, 0x11000))).toThrow();
    expect(() => s.insert(vma(0x20001, 0x21000))).toThrow();
    expect(() => s.removeRange(0x10000, 0x10000)).toThrow();
  });

  it('removeRange splits an area and returns the removed piece', () => {
    const s = new VmaSet();
    s.insert(vma(0x10000, 0x14000));
    const removed = s.removeRange(0x11000, 0x12000);
    expect(removed.map((v) => [v.start, v.end])).toEqual([[0x11000, 0x12000]]);
    expect(ranges(s)).toEqual([[0x10000, 0x11000, RW], [0x12000, 0x14000, RW]]);
    expect(s.find(0x11000)).toBeUndefined();
  });

  it('removeRange across several areas and holes returns each mapped piece', () => {
    const s = new VmaSet();
    s.insert(vma(0x10000, 0x12000));
    s.insert(vma(0x13000, 0x14000, PROT_READ));
    s.insert(vma(0x16000, 0x18000));
    const removed = s.removeRange(0x11000, 0x17000);
    expect(removed.map((v) => [v.start, v.end, v.prot])).toEqual([
      [0x11000, 0x12000, RW], [0x13000, 0x14000, PROT_READ], [0x16000, 0x17000, RW],
    ]);
    expect(ranges(s)).toEqual([[0x10000, 0x11000, RW], [0x17000, 0x18000, RW]]);
    expect(s.removeRange(0x30000, 0x31000)).toEqual([]);
  });

  it('protectRange splits into three and merges back when restored', () => {
    const s = new VmaSet();
    s.insert(vma(0x10000, 0x13000));
    const changed = s.protectRange(0x11000, 0x12000, PROT_READ);
    expect(changed.map((v) => [v.start, v.end, v.prot])).toEqual([[0x11000, 0x12000, RW]]);
    expect(ranges(s)).toEqual([[0x10000, 0x11000, RW], [0x11000, 0x12000, PROT_READ], [0x12000, 0x13000, RW]]);
    s.protectRange(0x11000, 0x12000, RW);
    expect(ranges(s)).toEqual([[0x10000, 0x13000, RW]]);
  });

  it('contiguousEnd stops at the first hole', () => {
    const s = new VmaSet();
    s.insert(vma(0x10000, 0x12000));
    s.insert(vma(0x12000, 0x13000, PROT_READ));
    s.insert(vma(0x15000, 0x16000));
    expect(s.contiguousEnd(0x10000, 0x20000)).toBe(0x13000);
    expect(s.contiguousEnd(0x11000, 0x12800)).toBe(0x12800);
    expect(s.contiguousEnd(0x14000, 0x20000)).toBe(0x14000);
  });

  it('gapTopDown returns the highest fitting address below high', () => {
    const s = new VmaSet();
    s.insert(vma(0x20000, 0x30000));
    s.insert(vma(0x31000, 0x40000));
    expect(s.gapTopDown(P, 0x1000, 0x50000)).toBe(0x4f000);
    expect(s.gapTopDown(P, 0x1000, 0x40000)).toBe(0x30000);
    expect(s.gapTopDown(2 * P, 0x1000, 0x40000)).toBe(0x1e000);
    expect(s.gapTopDown(0x20000, 0x1000, 0x40000)).toBe(-1);
    expect(s.gapTopDown(P, 0x1f000, 0x31000)).toBe(0x30000);
  });

  it('gapTopDown keeps the stack guard gap below a grows-down area', () => {
    const s = new VmaSet();
    const stackStart = 0x7fff00000000;
    s.insert(vma(stackStart, stackStart + 0x10000, RW, ANON | MAP_GROWSDOWN));
    expect(s.gapTopDown(P, 0x1000, stackStart + 0x10000)).toBe(stackStart - STACK_GUARD_GAP - P);
  });

  it('gapBottomUp returns the lowest fitting address at or above low', () => {
    const s = new VmaSet();
    s.insert(vma(0x40000000, 0x40002000));
    expect(s.gapBottomUp(P, 0x40000000, 0x80000000)).toBe(0x40002000);
    expect(s.gapBottomUp(P, 0x3ffff000, 0x80000000)).toBe(0x3ffff000);
    expect(s.gapBottomUp(0x1000, 0x40000000, 0x40002000)).toBe(-1);
  });

  it('clone is independent; totalBytes sums lengths', () => {
    const s = new VmaSet();
    s.insert(vma(0x10000, 0x13000));
    const c = s.clone();
    c.removeRange(0x10000, 0x11000);
    expect(s.totalBytes()).toBe(0x3000);
    expect(c.totalBytes()).toBe(0x2000);
    s.clear();
    expect(s.count).toBe(0);
    expect(s.find(0x10000)).toBeUndefined();
  });
});
