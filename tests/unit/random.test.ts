/**
 * getrandom: flag validation as drivers/char/random.c (and the reference machine: 0x10 and
 * GRND_RANDOM|GRND_INSECURE are EINVAL), bytes from the seeded generator, partial copies.
 */
import { describe, it, expect } from 'vitest';
import { bootHarness, peek, sysn, SCRATCH, SCRATCH_SIZE } from '../helpers/kernel_harness.js';
import { Prng } from '../../kernel/lib/prng.js';
import { Errno } from '../../kernel/uapi/errno.js';
import { setUsercopyObserver } from '../../kernel/uaccess.js';

const BUF = SCRATCH + 0x1000;

describe('getrandom', () => {
  it("glibc's getrandom(buf, 8, GRND_NONBLOCK) returns 8 bytes of the seeded stream", () => {
    const { init, kernel } = bootHarness({ seed: 7 });
    const expected = new Uint8Array(64);
    const twin = new Prng(7);
    twin.fill(new Uint8Array(16)); // boot took AT_RANDOM
    twin.fill(expected);
    expect(kernel.random).toBeDefined();
    expect(sysn(init, 'getrandom', BUF, 8, 1)).toBe(8);
    expect([...peek(init, BUF, 8)]).toEqual([...expected.subarray(0, 8)]);
  });

  it('the same seed gives the same bytes; another seed others', () => {
    const get = (seed: number) => {
      const { init } = bootHarness({ seed });
      sysn(init, 'getrandom', BUF, 16, 0);
      return [...peek(init, BUF, 16)];
    };
    expect(get(1)).toEqual(get(1));
    expect(get(1)).not.toEqual(get(2));
  });

  it('flags: NONBLOCK, RANDOM, INSECURE and NONBLOCK|RANDOM are valid; 0x10 and RANDOM|INSECURE are EINVAL', () => {
    const { init } = bootHarness();
    expect([0, 1, 2, 4, 3, 5].map((f) => sysn(init, 'getrandom', BUF, 4, f))).toEqual([4, 4, 4, 4, 4, 4]);
    expect(sysn(init, 'getrandom', BUF, 4, 0x10)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'getrandom', BUF, 0, 7)).toBe(-Errno.EINVAL);
    expect(sysn(init, 'getrandom', BUF, 4, 6)).toBe(-Errno.EINVAL);
  });

  it('len 0 is 0 even for NULL; EFAULT when nothing can be written; a later fault returns the bytes before it', () => {
    const { init } = bootHarness();
    expect(sysn(init, 'getrandom', 0, 0, 0)).toBe(0);
    expect(sysn(init, 'getrandom', 8, 4, 0)).toBe(-Errno.EFAULT);
    expect(sysn(init, 'getrandom', 0x7ffffffff000 - 4, 8, 0)).toBe(-Errno.EFAULT);
    expect(sysn(init, 'getrandom', SCRATCH + SCRATCH_SIZE - 100, 200, 0)).toBe(100);
  });

  it('one user copy per 64-byte block, site getrandom:buf', () => {
    const { init } = bootHarness();
    const sites: string[] = [];
    setUsercopyObserver({ onCopy: (_t, site, _k, len) => sites.push(`${site}/${len}`) });
    try {
      expect(sysn(init, 'getrandom', BUF, 130, 0)).toBe(130);
    } finally {
      setUsercopyObserver(null);
    }
    expect(sites).toEqual(['getrandom:buf/64', 'getrandom:buf/64', 'getrandom:buf/2']);
  });
});
