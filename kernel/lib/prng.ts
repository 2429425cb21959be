/**
 * A small seeded pseudo-random generator (SplitMix64), so every random choice in sysemu (AT_RANDOM, getrandom,
 * fault-injection probability) is reproducible from the seed.
 */
export class Prng {
  private state: bigint;

  constructor(seed: number | bigint) {
    this.state = BigInt.asUintN(64, BigInt(seed));
  }

  /** The next 64 random bits. */
  next64(): bigint {
    this.state = BigInt.asUintN(64, this.state + 0x9e3779b97f4a7c15n);
    let z = this.state;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  }

  /** A uniform integer in [0, n) for n <= 2^32. */
  below(n: number): number {
    return Number(this.next64() % BigInt(n));
  }

  /** Fills buf with random bytes. */
  fill(buf: Uint8Array): void {
    for (let i = 0; i < buf.length; i += 8) {
      let w = this.next64();
      for (let j = i; j < Math.min(i + 8, buf.length); j++, w >>= 8n) buf[j] = Number(w & 0xffn);
    }
  }
}
