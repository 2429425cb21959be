import { describe, it, expect } from 'vitest';
import { Idr, PID_MAX_LIMIT } from '../../kernel/idr.js';
import { Errno } from '../../kernel/uapi/errno.js';

const PID_MAX = 32768;

/** Reserve and publish exactly nr (a "used" number). */
function use(idr: Idr<string>, nr: number): void {
  if (idr.allocExact(nr) !== nr) throw new Error(`${nr} is taken`);
  idr.publish(nr, `p${nr}`);
}

describe('Idr cyclic allocation (spec 4.3 e)', () => {
  it('starts at 1 in a fresh allocator and moves the cursor past each number', () => {
    const idr = new Idr<string>();
    expect(idr.allocCyclic(PID_MAX)).toBe(1);
    expect(idr.allocCyclic(PID_MAX)).toBe(2);
    expect(idr.getCursor()).toBe(3);
  });

  it('T67: cursor 32768 with 300..309 used gives 310', () => {
    const idr = new Idr<string>();
    for (let nr = 300; nr <= 309; nr++) use(idr, nr);
    idr.setCursor(32768);
    expect(idr.allocCyclic(PID_MAX)).toBe(310);
    expect(idr.getCursor()).toBe(311);
  });

  it('T68: wrap-around goes to 300, not 1 or 301', () => {
    const idr = new Idr<string>();
    idr.setCursor(32768);
    expect(idr.allocCyclic(PID_MAX)).toBe(300);
  });

  it('T69: all of 300..32767 used, 2..299 free, cursor 32768 -> EAGAIN', () => {
    const idr = new Idr<string>();
    use(idr, 1);
    idr.setCursor(300);
    for (let nr = 300; nr < PID_MAX; nr++) if (idr.allocCyclic(PID_MAX) !== nr) throw new Error(`expected ${nr}`);
    expect(idr.getCursor()).toBe(32768);
    expect(idr.allocCyclic(PID_MAX)).toBe(-Errno.EAGAIN);
    expect(idr.isTaken(2)).toBe(false);
    expect(idr.getCursor()).toBe(32768);
  });

  it('numbers below 300 are handed out while the cursor is <= 300 (T71: cursor 100 gives 100)', () => {
    const idr = new Idr<string>();
    idr.setCursor(100);
    expect(idr.allocCyclic(PID_MAX)).toBe(100);
    idr.setCursor(300);
    expect(idr.allocCyclic(PID_MAX)).toBe(300);
    // 300..399 used, 1..299 free, pid_max 400: the boundary is cursor 300 (pidMin 1) vs 301 (pidMin 300)
    const full = new Idr<string>();
    for (let nr = 300; nr < 400; nr++) use(full, nr);
    full.setCursor(301);
    expect(full.allocCyclic(400)).toBe(-Errno.EAGAIN);
    full.setCursor(300);
    expect(full.allocCyclic(400)).toBe(1);
  });

  it('T70: cursor 5000 gives 5000', () => {
    const idr = new Idr<string>();
    idr.setCursor(5000);
    expect(idr.allocCyclic(PID_MAX)).toBe(5000);
  });

  it('a cursor past pid_max (ns_last_pid = pid_max) wraps to 300, as 6.18 does', () => {
    const idr = new Idr<string>();
    idr.setCursor(5001);
    expect(idr.allocCyclic(5000)).toBe(300);
  });

  it('from a fresh cursor with 1 taken, a full low range is searched from 1 once', () => {
    const idr = new Idr<string>();
    for (let nr = 1; nr < 350; nr++) use(idr, nr);
    expect(idr.allocCyclic(PID_MAX)).toBe(350);
  });

  it('skips full words and finds a hole after a long run of taken numbers', () => {
    const idr = new Idr<string>();
    idr.setCursor(1);
    for (let nr = 1; nr < 100000; nr++) use(idr, nr);
    idr.remove(77777);
    idr.setCursor(300);
    expect(idr.allocCyclic(200000)).toBe(77777);
    expect(idr.allocCyclic(200000)).toBe(100000);
  });
});

describe('Idr exact allocation, reservation, publish, remove', () => {
  it('allocExact takes the number without moving the cursor; a taken number gives EEXIST', () => {
    const idr = new Idr<string>();
    expect(idr.allocExact(10)).toBe(10);
    expect(idr.getCursor()).toBe(0);
    expect(idr.allocExact(10)).toBe(-Errno.EEXIST);
    idr.publish(10, 'ten');
    expect(idr.allocExact(10)).toBe(-Errno.EEXIST);
  });

  it('a reserved number is invisible to find but taken for allocation', () => {
    const idr = new Idr<string>();
    expect(idr.allocExact(1)).toBe(1);
    expect(idr.find(1)).toBeUndefined();
    expect(idr.reserved).toBe(1);
    expect(idr.allocCyclic(PID_MAX)).toBe(2);
    idr.publish(1, 'one');
    expect(idr.find(1)).toBe('one');
    expect(idr.reserved).toBe(1); // 2 is still reserved
    expect(idr.published).toBe(1);
  });

  it('remove frees reserved and published numbers', () => {
    const idr = new Idr<string>();
    use(idr, 5);
    idr.allocExact(6);
    idr.remove(5);
    idr.remove(6);
    expect(idr.isTaken(5)).toBe(false);
    expect(idr.find(5)).toBeUndefined();
    expect(idr.reserved).toBe(0);
    expect(idr.published).toBe(0);
    expect(idr.allocExact(5)).toBe(5);
  });

  it('misuse throws: publish of a free number, remove of a free number, out-of-range exact number', () => {
    const idr = new Idr<string>();
    expect(() => idr.publish(3, 'x')).toThrow();
    expect(() => idr.remove(3)).toThrow();
    expect(() => idr.allocExact(PID_MAX_LIMIT)).toThrow();
    expect(() => idr.allocExact(-1)).toThrow();
  });

  it('grows to the top of PID_MAX_LIMIT and lists taken numbers in order', () => {
    const idr = new Idr<string>();
    use(idr, PID_MAX_LIMIT - 1);
    idr.allocExact(40000);
    use(idr, 3);
    expect(idr.nextTaken(4)).toBe(40000);
    expect([...idr.entries()]).toEqual([
      [3, 'p3'],
      [40000, undefined],
      [PID_MAX_LIMIT - 1, `p${PID_MAX_LIMIT - 1}`],
    ]);
    expect(idr.nextTaken(PID_MAX_LIMIT)).toBe(-1);
  });

  it('allocates every number up to PID_MAX_LIMIT, reports EAGAIN, frees all, then wraps to 300', () => {
    const idr = new Idr<number>();
    for (let nr = 1; nr < PID_MAX_LIMIT; nr++) {
      if (idr.allocCyclic(PID_MAX_LIMIT) !== nr) throw new Error(`expected ${nr}`);
      idr.publish(nr, nr);
    }
    expect(idr.published).toBe(PID_MAX_LIMIT - 1);
    expect(idr.allocCyclic(PID_MAX_LIMIT)).toBe(-Errno.EAGAIN);
    for (let nr = 1; nr < PID_MAX_LIMIT; nr++) idr.remove(nr);
    expect(idr.published).toBe(0);
    expect(idr.nextTaken(0)).toBe(-1);
    expect(idr.allocCyclic(PID_MAX_LIMIT)).toBe(300);
  }, 5000);
});
