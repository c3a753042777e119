import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, verifyPassword } from '../../server/factors/password.js';
import { checkPasswordPolicy } from '../../server/factors/password-policy.js';

/** Each character typed on a fullwidth (East Asian) keyboard layout: U+FF01..U+FF5E. */
function fullwidth(ascii: string): string {
  return [...ascii].map((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)).join('');
}

const GOOD = 'Correct-Horse-9-Battery';

describe('password policy: seeds preset', () => {
  const seeds = (password: string, email?: string) => checkPasswordPolicy({ password, policy: 'seeds', ...(email ? { email } : {}) });

  it('accepts a password that meets every rule', () => {
    assert.deepEqual(seeds(GOOD), []);
  });

  it('accepts exactly 15 characters', () => {
    assert.deepEqual(seeds('Abcdefgh-jkmn-7'), []);
  });

  it('refuses 14 characters as min_length', () => {
    assert.deepEqual(seeds('Abcdefgh-jkm-7'), ['min_length']);
  });

  it('refuses a password without a digit', () => {
    assert.deepEqual(seeds('Correct-Horse-Nine-Battery'), ['digit']);
  });

  it('refuses a password without a special character', () => {
    assert.deepEqual(seeds('CorrectHorse9Battery'), ['special']);
  });

  it('refuses a password without an upper-case letter', () => {
    assert.deepEqual(seeds('correct-horse-9-battery'), ['upper']);
  });

  it('refuses a password without a lower-case letter', () => {
    assert.deepEqual(seeds('CORRECT-HORSE-9-BATTERY'), ['lower']);
  });

  it('refuses < and >', () => {
    assert.deepEqual(seeds('Correct<Horse-9-Battery'), ['no_angle_brackets']);
    assert.deepEqual(seeds('Correct>Horse-9-Battery'), ['no_angle_brackets']);
  });

  it('refuses more than 256 characters as max_length', () => {
    assert.deepEqual(seeds(`${GOOD}${'x'.repeat(256)}`), ['max_length']);
  });
});

describe('password policy: nist preset', () => {
  const nist = (password: string, email?: string) => checkPasswordPolicy({ password, policy: 'nist', ...(email ? { email } : {}) });

  it('has no composition rules: a long lower-case passphrase passes', () => {
    assert.deepEqual(nist('purple monkey dishwasher lamp'), []);
  });

  it('still refuses a short password', () => {
    assert.deepEqual(nist('purple monkey'), ['min_length']);
  });

  it('still refuses a common password', () => {
    assert.ok(nist('password').includes('not_common'));
  });

  it('still refuses a password containing the email local part', () => {
    assert.deepEqual(nist('purple alice dishwasher lamp', 'alice@example.com'), ['not_email']);
  });

  it('applies only length, blocklist and email rules', () => {
    // Breaks every composition rule of the seeds preset, and nothing nist checks.
    const password = 'aaaaaaaaaaaaaaaaaaaaaaaa<b>';
    assert.deepEqual(nist(password), []);
    assert.deepEqual(checkPasswordPolicy({ password, policy: 'seeds' }), ['digit', 'upper', 'no_angle_brackets']);
  });
});

describe('password policy: length counts code points', () => {
  const emoji = '\u{1F600}'; // one code point, two UTF-16 units

  it('accepts 15 code points even when they are more UTF-16 units', () => {
    const password = `Aa1-${emoji.repeat(11)}`;
    assert.equal([...password].length, 15);
    assert.ok(password.length > 15);
    assert.deepEqual(checkPasswordPolicy({ password, policy: 'seeds' }), []);
  });

  it('refuses 14 code points even when they are more than 15 UTF-16 units', () => {
    const password = `Aa1-${emoji.repeat(10)}`;
    assert.equal([...password].length, 14);
    assert.ok(password.length > 15);
    assert.deepEqual(checkPasswordPolicy({ password, policy: 'seeds' }), ['min_length']);
  });
});

describe('password policy: blocklist and context', () => {
  it('refuses "password"', () => {
    assert.ok(checkPasswordPolicy({ password: 'password', policy: 'seeds' }).includes('not_common'));
  });

  it('refuses a common word padded to meet the composition rules', () => {
    assert.deepEqual(checkPasswordPolicy({ password: 'Password12345678!', policy: 'seeds' }), ['not_common']);
  });

  it('refuses a password that contains the email local part, in any case', () => {
    assert.deepEqual(checkPasswordPolicy({ password: 'ALICE-Secret-9-Garden', policy: 'seeds', email: 'alice@example.com' }), ['not_email']);
  });

  it('accepts the same password for a different email', () => {
    assert.deepEqual(checkPasswordPolicy({ password: 'ALICE-Secret-9-Garden', policy: 'seeds', email: 'bob.smith@example.com' }), []);
  });
});

describe('password normalisation (NFKC)', () => {
  it('counts fullwidth characters as the ASCII they normalise to', () => {
    assert.deepEqual(checkPasswordPolicy({ password: fullwidth(GOOD), policy: 'seeds' }), []);
  });

  it('verifies a password typed in fullwidth characters against the ASCII one', async () => {
    const hash = await hashPassword(GOOD);
    assert.notEqual(fullwidth(GOOD), GOOD);
    assert.equal(await verifyPassword({ hash, password: fullwidth(GOOD) }), true);
  });

  it('does not verify a different password', async () => {
    const hash = await hashPassword(GOOD);
    assert.equal(await verifyPassword({ hash, password: fullwidth('Correct-Horse-8-Battery') }), false);
  });
});
