import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Environment } from '../../../server/config.js';
import { ApiError } from '../../../server/errors.js';
import { hashPassword, verifyPassword } from '../../../server/factors/password.js';
import { checkPasswordPolicy, type PasswordPolicyName } from '../../../server/factors/password-policy.js';
import type { FlowState } from '../../../server/flows/protocol.js';
import { issueLinkToken } from '../../../server/security/link-tokens.js';
import { addMember, createOrganization, slugFromName } from '../../../server/companies/organizations.js';
import { createUser, setPassword } from '../../../server/users.js';
import { act, bodyOf, EMAIL, errorCodeOf, PASSWORD, signIn, signInForGrant, startServer, WRONG_PASSWORD, type TestServer } from '../helpers.js';
import { flowOf, invite, openLink } from '../inbox.js';

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
    // Two common words are easy to guess as well as short.
    assert.deepEqual(nist('purple monkey'), ['min_length', 'not_guessable']);
  });

  it('still refuses a common password', () => {
    assert.ok(nist('password').includes('not_common'));
  });

  it('still refuses a password containing the email local part', () => {
    assert.deepEqual(nist('purple alice dishwasher lamp', 'alice@example.com'), ['not_email']);
  });

  it('applies only length, blocklist, strength and email rules', () => {
    // Breaks composition rules of the seeds preset, and nothing nist checks.
    const password = 'purple monkey dishwasher <lamp>';
    assert.deepEqual(nist(password), []);
    assert.deepEqual(checkPasswordPolicy({ password, policy: 'seeds' }), ['digit', 'upper', 'no_angle_brackets']);
  });
});

describe('password policy: length counts code points', () => {
  // Eleven different emoji, each one code point and two UTF-16 units (one emoji
  // repeated would be refused as easy to guess).
  const emoji = [...'\u{1F600}\u{1F422}\u{1F335}\u{1F3B2}\u{1F6B2}\u{1F34B}\u{1F989}\u{1F388}\u{1F9ED}\u{1FA81}\u{1F344}'];

  it('accepts 15 code points even when they are more UTF-16 units', () => {
    const password = `Aa1-${emoji.join('')}`;
    assert.equal([...password].length, 15);
    assert.ok(password.length > 15);
    assert.deepEqual(checkPasswordPolicy({ password, policy: 'seeds' }), []);
  });

  it('refuses 14 code points even when they are more than 15 UTF-16 units', () => {
    const password = `Aa1-${emoji.slice(0, 10).join('')}`;
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
    assert.deepEqual(checkPasswordPolicy({ password: 'Password12345678!', policy: 'seeds' }), ['not_common', 'not_guessable']);
  });

  it('refuses a password that contains the email local part, in any case', () => {
    assert.deepEqual(checkPasswordPolicy({ password: 'ALICE-Secret-9-Garden', policy: 'seeds', email: 'alice@example.com' }), ['not_email']);
  });

  it('accepts the same password for a different email', () => {
    assert.deepEqual(checkPasswordPolicy({ password: 'ALICE-Secret-9-Garden', policy: 'seeds', email: 'bob.smith@example.com' }), []);
  });
});

describe('password policy: strength estimate (zxcvbn-ts)', () => {
  const nist = (password: string, email?: string) => checkPasswordPolicy({ password, policy: 'nist', ...(email ? { email } : {}) });

  it('refuses one character repeated', () => {
    assert.deepEqual(nist('aaaaaaaaaaaaaaa'), ['not_guessable']);
  });

  it('refuses a run of digits', () => {
    assert.deepEqual(nist('123456789012345'), ['not_guessable']);
  });

  it('refuses a walk along the keyboard', () => {
    assert.deepEqual(nist('qwertyuiopasdfgh'), ['not_guessable']);
  });

  it('refuses a short word repeated to length', () => {
    assert.deepEqual(nist('monkeymonkeymonkey'), ['not_guessable']);
  });

  it('refuses a repeat dressed up for the seeds rules', () => {
    assert.deepEqual(checkPasswordPolicy({ password: 'Aaaaaaaaaaaaaa1!', policy: 'seeds' }), ['not_guessable']);
  });

  it('refuses a keyboard walk dressed up for the seeds rules', () => {
    assert.deepEqual(checkPasswordPolicy({ password: 'Qwertyuiopasdf1!', policy: 'seeds' }), ['not_guessable']);
  });

  it('accepts four uncommon words', () => {
    assert.deepEqual(nist('lantern orbit stapler quince'), []);
  });

  it('accepts a random password of the minimum length', () => {
    assert.deepEqual(nist('k3Jd9sL2mQ8zX7v'), []);
  });

  it('estimates the first 64 characters, so a long password cannot make it work for seconds', () => {
    const random = 'k3Jd9sL2mQ8zX7vN4bW1tY6rP5hG0fC8aE2uI9oS3dF7gH1jK4lZ6xV0bN2mQ5wE';
    assert.equal(random.length, 64);
    assert.deepEqual(nist(`${random}${'a'.repeat(192)}`), []);
    assert.deepEqual(nist(`${'a'.repeat(64)}${random}`), ['not_guessable']);
  });
});

describe('password policy: context-specific words', () => {
  const POLICIES: PasswordPolicyName[] = ['seeds', 'nist'];

  for (const policy of POLICIES) {
    it(`refuses the product's name, whatever the service is called (${policy})`, () => {
      assert.deepEqual(checkPasswordPolicy({ password: 'Login-flow-2025-Qq!', policy }), ['not_context']);
    });
  }

  it('refuses a name written with other separators, or none', () => {
    for (const password of ['Login_Flow-2025-Qq!', 'LoginFlow-2025-Qq!x', 'Login flow 2025 Qq!']) {
      assert.deepEqual(checkPasswordPolicy({ password, policy: 'seeds' }), ['not_context'], password);
    }
  });

  it('refuses a name spelled in l33t or backwards', () => {
    assert.deepEqual(checkPasswordPolicy({ password: 'L0g1n-Fl0w-2025-Qq!', policy: 'seeds' }), ['not_context']);
    assert.deepEqual(checkPasswordPolicy({ password: 'Wolf-Nigol-2025-Qq!', policy: 'seeds' }), ['not_context']);
  });

  it('refuses a name anywhere in the password', () => {
    assert.deepEqual(checkPasswordPolicy({ password: 'Vq7#xLp2!mZr9wK-login-flow', policy: 'seeds' }), ['not_context']);
  });

  it('refuses the names it is given: the service\'s, the company\'s, the person\'s', () => {
    const names = ['Payroll Portaal', 'Bakkerij de Vries', 'Jordan Visser'];
    for (const password of ['PayrollPortaal-2025-Qq!', 'Bakkerij-de-Vries-2025-Qq!', 'Jordan.Visser.2025.Qq!']) {
      assert.deepEqual(checkPasswordPolicy({ password, policy: 'seeds', names }), ['not_context'], password);
    }
  });

  it('accepts the same passwords without those names as context', () => {
    for (const password of ['PayrollPortaal-2025-Qq!', 'Bakkerij-de-Vries-2025-Qq!', 'Jordan.Visser.2025.Qq!']) {
      assert.deepEqual(checkPasswordPolicy({ password, policy: 'seeds' }), [], password);
    }
  });

  it('does not refuse a name shorter than four letters, which random passwords contain by chance', () => {
    assert.deepEqual(checkPasswordPolicy({ password: 'Singing-Lantern-42', policy: 'seeds', names: ['ING'] }), []);
  });

  it('counts the words of the email address as cheap guesses', () => {
    const password = 'Acmepayroll!2025';
    assert.deepEqual(checkPasswordPolicy({ password, policy: 'seeds', email: 'bob@example.com' }), []);
    assert.deepEqual(checkPasswordPolicy({ password, policy: 'seeds', email: 'dana.jansen@acmepayroll.example' }), ['not_guessable']);
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

describe('password policy: control characters', () => {
  const POLICIES: PasswordPolicyName[] = ['seeds', 'nist'];
  const NUL = 'Vq7#xLp2!mZr9wK\u0000tail';

  for (const policy of POLICIES) {
    it(`refuses a NUL inside a password (${policy})`, () => {
      assert.deepEqual(checkPasswordPolicy({ password: NUL, policy }), ['no_control']);
    });
  }

  it('refuses every C0 control character and DEL', () => {
    const controls = [...Array.from({ length: 0x20 }, (_, code) => code), 0x7f];
    for (const code of controls) {
      const password = `Vq7#xLp2!mZr9wK${String.fromCharCode(code)}tail`;
      assert.ok(checkPasswordPolicy({ password, policy: 'nist' }).includes('no_control'), `U+${code.toString(16).padStart(4, '0')}`);
    }
  });

  it('refuses the C1 control characters too (U+0080-U+009F)', () => {
    for (let code = 0x80; code <= 0x9f; code++) {
      const password = `Vq7#xLp2!mZr9wK${String.fromCharCode(code)}tail`;
      assert.ok(checkPasswordPolicy({ password, policy: 'nist' }).includes('no_control'), `U+${code.toString(16).padStart(4, '0')}`);
    }
  });

  it('accepts the same password without the control character', () => {
    assert.deepEqual(checkPasswordPolicy({ password: 'Vq7#xLp2!mZr9wKtail', policy: 'seeds' }), []);
  });

  it('verifies a stored password with a NUL in full, not cut short at the NUL', async () => {
    // Sign-in does not refuse control characters: a password set before they were
    // refused must still work, and argon2 hashes every byte, so nothing truncates.
    const hash = await hashPassword(NUL);
    assert.equal(await verifyPassword({ hash, password: NUL }), true);
    assert.equal(await verifyPassword({ hash, password: 'Vq7#xLp2!mZr9wK' }), false);
    assert.equal(await verifyPassword({ hash, password: 'Vq7#xLp2!mZr9wK\u0000other' }), false);
  });
});

describe('signing in does not apply the new-password policy', () => {
  it('answers a password with a NUL as it answers any wrong password', async (t) => {
    const server = await startServer(t);
    await createUser(server.db, server.config, { email: EMAIL, password: PASSWORD, now: server.clock.now });
    const answer = async (password: string) => {
      const response = await signIn(server, EMAIL, password);
      return [response.status, await errorCodeOf(response)];
    };
    const wrong = await answer(WRONG_PASSWORD);
    assert.equal(wrong[1], 'invalid_credentials');
    assert.deepEqual(await answer(`${PASSWORD}\u0000tail`), wrong);
  });

  /** PHC strings made by the `argon2` package (0.45), the library before @node-rs/argon2: stored hashes of existing people. */
  const MADE_BY_ARGON2_045 = {
    current: ['Correct-Horse-42-Battery', '$argon2id$v=19$m=19456,p=1,t=2$CuwrkLeCJw7eaVqQDCIM+Q$qxNBJuwgvPhaA0WtMjJ4ZhEvOGr/cxU0PwRYES63xBA'],
    unicode: ['Ünïcode-pässwörd-1', '$argon2id$v=19$m=19456,p=1,t=2$jVISChvM1SRgjABKjAKRzg$fSRma2DyPBkYJQTze80xaYPC/hoEv3HEBH2ZsCHfoL4'],
    weaker: ['Old-Weaker-Params-7', '$argon2id$v=19$m=4096,p=1,t=3$K3KaqJtgrpTfkGSwhe/OxA$jkny2/w+tv37c7dQ/qy0OfRbbterd+VAC7I1zLgrj0A'],
    argon2i: ['Argon2i-Legacy-9', '$argon2i$v=19$m=19456,p=1,t=2$CkHSnbgAK1n08C0el5f0WQ$xnwVMJxFjH7ziDfujTiWW3n/L+yO4JHjJRN0fMy0/Es'],
  } as const;

  it('verifies hashes made by the previous argon2 library, and only with their own password', async () => {
    for (const [password, hash] of Object.values(MADE_BY_ARGON2_045)) {
      assert.equal(await verifyPassword({ hash, password }), true, password);
      assert.equal(await verifyPassword({ hash, password: `${password}x` }), false, password);
    }
  });

  it("signs people in with the previous library's hashes, and replaces weaker ones with today's parameters", async (t) => {
    for (const [name, [password, hash]] of Object.entries(MADE_BY_ARGON2_045)) {
      const server = await startServer(t, { SESSION_COOKIE: 'false' });
      const user = await createUser(server.db, server.config, { email: EMAIL, password: PASSWORD, now: server.clock.now });
      await server.db.updateTable('users').set({ password_hash: hash }).where('id', '=', user.id).execute();
      assert.equal((await signInForGrant(server, EMAIL, password)).user.email, EMAIL, name);
      const stored = (await server.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow()).password_hash!;
      if (name === 'weaker' || name === 'argon2i') assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, name);
      else assert.equal(stored, hash, `${name}: a hash at today's parameters is kept`);
      assert.equal(await verifyPassword({ hash: stored, password }), true, name);
    }
  });

  it('signs in with a password set before control characters were refused', async (t) => {
    const server = await startServer(t, { SESSION_COOKIE: 'false' });
    const user = await createUser(server.db, server.config, { email: EMAIL, password: PASSWORD, now: server.clock.now });
    const old = 'Vq7#xLp2!mZr9wK\ttail';
    await server.db.updateTable('users').set({ password_hash: await hashPassword(old) }).where('id', '=', user.id).execute();
    assert.equal((await signInForGrant(server, EMAIL, old)).user.email, EMAIL);
  });
});

/** Who the new password is for, beyond the email address: their name and a company they work at. */
interface Person {
  env?: Environment;
  name?: string;
  company?: string;
}

/** Puts the person (already a user) in a company, as an employer's admin does. */
async function employ(server: TestServer, company: string | undefined): Promise<void> {
  if (!company) return;
  await createOrganization(server.context, { name: company, actor: 'cli' });
  await addMember(server.context, { organization: slugFromName(company)!, email: EMAIL, actor: 'cli' });
}

/**
 * Each way a new password is set, driven as its caller drives it; each returns
 * the rules named in the `password_policy` refusal, or [] when the password
 * was set. Runs on SQLite, and on PostgreSQL under test/support/with-postgres.ts.
 */
const SETTERS: Record<string, (t: TestContext, password: string, person?: Person) => Promise<string[]>> = {
  async 'activation (invitation link)'(t, password, { env, name, company } = {}) {
    const server = await startServer(t, env);
    const token = await invite(server, EMAIL, name ? { name } : {});
    await employ(server, company);
    const opened = await flowOf(await openLink(server, 'activate', token));
    assert.equal(opened.step, 'set-password');
    return refusedIn(await flowOf(await act(server, opened.id, 'password', { password })));
  },
  async 'reset (forgot-password link)'(t, password, { env, name, company } = {}) {
    const server = await startServer(t, env);
    const user = await createUser(server.db, server.config, { email: EMAIL, password: PASSWORD, name, now: server.clock.now });
    await employ(server, company);
    const { token } = await issueLinkToken(server.db, { userId: user.id, purpose: 'password-reset', ttlMs: 60_000, now: server.clock.now });
    const opened = await flowOf(await openLink(server, 'reset', token));
    assert.equal(opened.step, 'set-password');
    return refusedIn(await flowOf(await act(server, opened.id, 'password', { password })));
  },
  async 'account page (password change)'(t, password, { env, name, company } = {}) {
    const server = await startServer(t, { SESSION_COOKIE: 'false', ...env });
    await createUser(server.db, server.config, { email: EMAIL, password: PASSWORD, name, now: server.clock.now });
    await employ(server, company);
    const { token } = await signInForGrant(server);
    const response = await server.post('/api/account/password', { current: PASSWORD, password }, { headers: { authorization: `Bearer ${token}` } });
    if (response.status === 200) return [];
    return refusedIn(await bodyOf<Pick<FlowState, 'error'>>(response));
  },
  async 'CLI user create'(t, password, { env, name, company } = {}) {
    // A new user works at no company yet.
    assert.equal(company, undefined);
    const server = await startServer(t, env);
    return refusedBy(() => createUser(server.db, server.config, { email: EMAIL, password, name, now: server.clock.now }));
  },
  async 'CLI user set-password'(t, password, { env, name, company } = {}) {
    const server = await startServer(t, env);
    await createUser(server.db, server.config, { email: EMAIL, password: PASSWORD, name, now: server.clock.now });
    await employ(server, company);
    return refusedBy(() => setPassword(server.context, server.config, { email: EMAIL, password, now: server.clock.now }));
  },
};

function refusedIn({ error }: Pick<FlowState, 'error'>): string[] {
  if (!error) return [];
  assert.equal(error.code, 'password_policy', JSON.stringify(error));
  assert.equal(error.field, 'password');
  return error.details!.rules as string[];
}

async function refusedBy(set: () => Promise<unknown>): Promise<string[]> {
  try {
    await set();
    return [];
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return refusedIn({ error: { code: error.code, ...(error.field ? { field: error.field } : {}), ...(error.details ? { details: error.details } : {}) } });
  }
}

describe('every way to set a password applies the one policy', () => {
  for (const [setter, set] of Object.entries(SETTERS)) {
    it(`${setter}: sets a strong password`, async (t) => {
      assert.deepEqual(await set(t, 'Correct-Horse-9-Battery'), []);
    });

    it(`${setter}: refuses a NUL in the new password`, async (t) => {
      assert.deepEqual(await set(t, 'Vq7#xLp2!mZr9wK\u0000tail'), ['no_control']);
    });

    it(`${setter}: refuses a predictable password under the nist policy`, async (t) => {
      assert.deepEqual(await set(t, 'qwertyuiopasdfgh', { env: { PASSWORD_POLICY: 'nist' } }), ['not_guessable']);
    });

    it(`${setter}: refuses the product's name`, async (t) => {
      assert.deepEqual(await set(t, 'Login-flow-2025-Qq!'), ['not_context']);
    });

    it(`${setter}: refuses the service's configured name (APP_NAME)`, async (t) => {
      assert.deepEqual(await set(t, 'PayrollPortaal-2025-Qq!', { env: { APP_NAME: 'Payroll Portaal' } }), ['not_context']);
    });

    it(`${setter}: refuses the person's own name`, async (t) => {
      assert.deepEqual(await set(t, 'Jordan.Visser.2025.Qq!', { name: 'Jordan Visser' }), ['not_context']);
    });

    if (setter !== 'CLI user create') {
      it(`${setter}: refuses the name of the person's company`, async (t) => {
        assert.deepEqual(await set(t, 'Bakkerij-de-Vries-2025-Qq!', { company: 'Bakkerij de Vries' }), ['not_context']);
      });
    }
  }
});
