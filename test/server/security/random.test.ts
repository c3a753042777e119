/* Random secrets (server/security/random.ts): drawn from the CSPRNG through a pool, every byte used once. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drawBytes, randomToken } from '../../../server/security/random.js';

describe('random secrets', () => {
  it('are the length asked for and never repeat, across many refills of the pool', () => {
    const seen = new Set<string>();
    // 20,000 tokens of 16 bytes: the 4 KB pool refills about 80 times.
    for (let i = 0; i < 20_000; i++) {
      const token = randomToken(16);
      assert.equal(Buffer.from(token, 'base64url').length, 16);
      seen.add(token);
    }
    assert.equal(seen.size, 20_000);
  });

  it('hand out each byte once: consecutive draws do not overlap, and larger draws than the pool work', () => {
    const a = drawBytes(3000);
    const b = drawBytes(3000);
    assert.notDeepEqual(a.subarray(0, 64), b.subarray(0, 64));
    const big = drawBytes(10_000);
    assert.equal(big.length, 10_000);
    // Uniform bytes: every value turns up in 10,000 of them (the chance of a miss is below 1e-15).
    assert.equal(new Set(big).size, 256);
  });

  it('are not changed by later draws (a copy, not a view of the pool)', () => {
    const first = drawBytes(32);
    const copy = Buffer.from(first);
    for (let i = 0; i < 300; i++) drawBytes(32);
    assert.deepEqual(first, copy);
  });
});
