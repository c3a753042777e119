/*
 * Imported password hashes of every supported format sign in through the
 * real flow with the old password, and the first sign-in replaces them with
 * today's argon2id in the sign-in's own transaction.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listAudit } from '../../../server/audit.js';
import { inspectHash, verifyAnyHash } from '../../../server/factors/legacy-hashes.js';
import { verifyPassword } from '../../../server/factors/password.js';
import type { FlowState } from '../../../server/flows/protocol.js';
import { act, bodyOf, grantOf, PASSWORD, reachPassword, signIn, signInForGrant, startServer, WRONG_PASSWORD, type TestServer } from '../helpers.js';
import type { WriteCounter } from '../../support/write-counter.js';
import { importText, jsonl, LEGACY_FORMATS, legacyHash, SCHEME_OF } from './legacy.js';

/** Today's argon2id, as `hashPassword` writes it. */
const TODAYS_ARGON2ID = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/;

async function storedHash(server: TestServer, email: string): Promise<string | null> {
  return (await server.db.selectFrom('users').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow()).password_hash;
}

async function importOne(server: TestServer, email: string, hash: string): Promise<void> {
  const report = await importText(server.context, jsonl([{ email, name: 'Imported', email_verified: true, password_hash: hash }]));
  assert.deepEqual([report.created, report.failed], [1, 0], JSON.stringify(report.errors));
}

describe('imported password hashes', () => {
  for (const format of LEGACY_FORMATS) {
    it(`${format}: the old password signs in, and the hash becomes today's argon2id`, async (t) => {
      const server = await startServer(t, { SESSION_COOKIE: 'false' });
      const email = 'moved@example.com';
      const legacy = await legacyHash(format, PASSWORD);
      await importOne(server, email, legacy);
      assert.equal(await storedHash(server, email), legacy);

      const grant = await signInForGrant(server, email, PASSWORD);
      assert.equal(grant.user.email, email);
      const session = await server.request('/api/session', { headers: { authorization: `Bearer ${grant.token}` } });
      assert.equal(session.status, 200);

      const after = await storedHash(server, email);
      assert.match(after!, TODAYS_ARGON2ID);
      assert.equal(await verifyPassword({ hash: after, password: PASSWORD }), true);
      const [rehashed] = (await listAudit(server.db, {})).filter((e) => e.event === 'password.rehashed');
      assert.deepEqual(rehashed?.detail, { from: SCHEME_OF[format] });
    });

    it(`${format}: a wrong password fails and leaves the imported hash in place`, async (t) => {
      const server = await startServer(t);
      const email = 'moved@example.com';
      const legacy = await legacyHash(format, PASSWORD);
      await importOne(server, email, legacy);
      const response = await signIn(server, email, WRONG_PASSWORD);
      const flow = await bodyOf<FlowState>(response);
      assert.equal(flow.error?.code, 'invalid_credentials');
      assert.equal(await storedHash(server, email), legacy);
    });
  }

  it('an argon2id with weaker parameters (m=4096, t=1) is rehashed to today\'s at the first sign-in, and not again', async (t) => {
    const server = await startServer(t);
    const email = 'weak@example.com';
    const weak = await legacyHash('argon2id', PASSWORD);
    assert.match(weak, /^\$argon2id\$v=19\$m=4096,t=1,p=1\$/);
    await importOne(server, email, weak);
    await signInForGrant(server, email, PASSWORD);
    const first = await storedHash(server, email);
    assert.match(first!, TODAYS_ARGON2ID);
    await signInForGrant(server, email, PASSWORD);
    assert.equal(await storedHash(server, email), first, 'a hash of today\'s parameters is kept');
  });

  it('the new hash commits in the password step\'s one transaction, with the sign-in\'s writes and its audit row', async (t) => {
    const counter: WriteCounter = { writes: 0, log: [] };
    const server = await startServer(t, {}, { writes: counter });
    const email = 'one-commit@example.com';
    await importOne(server, email, await legacyHash('bcrypt $2b$', PASSWORD));
    const id = await reachPassword(server, email);
    const logged = counter.log.length;
    const flow = await bodyOf<FlowState>(await act(server, id, 'password', { password: PASSWORD }));
    grantOf(flow);
    // The first session of a new store also makes its signing key, in a commit of its own.
    const commits = counter.log.slice(logged).filter((statements) => !statements.startsWith('insert into "signing_keys"'));
    assert.equal(commits.length, 1, commits.join('\n'));
    assert.match(commits[0]!, /update "users" set "password_hash"/);
    assert.match(commits[0]!, /insert into "audit_events"/);
    assert.match(commits[0]!, /insert into "sessions"/);
    assert.match((await storedHash(server, email))!, TODAYS_ARGON2ID);
  });

  it('a disabled account\'s right password does not rehash', async (t) => {
    const server = await startServer(t);
    const email = 'gone@example.com';
    const legacy = await legacyHash('pbkdf2_sha256 Django', PASSWORD);
    await importOne(server, email, legacy);
    await server.db.updateTable('users').set({ status: 'disabled' }).where('email', '=', email).execute();
    const flow = await bodyOf<FlowState>(await signIn(server, email, PASSWORD));
    assert.equal(flow.error?.code, 'account_disabled');
    assert.equal(await storedHash(server, email), legacy);
  });
});

describe('legacy hash checks', () => {
  it('verify nothing and never throw for unknown, corrupt or over-the-cap hashes', async () => {
    const bcrypt = await legacyHash('bcrypt $2b$', PASSWORD);
    for (const stored of ['', 'plain', 'md5$abc', '$1$salt$hash', bcrypt.slice(0, -1), '$scrypt$ln=30,r=8,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA', '$pbkdf2-sha256$i=9999999999,l=32$c2FsdA$aGFzaA', '$argon2id$v=19$m=1,t=1,p=1$$']) {
      assert.equal(await verifyAnyHash(stored, PASSWORD), false, stored);
    }
  });

  it('bcrypt reads the first 72 bytes of a password, as every bcrypt does', async () => {
    const long = 'x'.repeat(72);
    const stored = await legacyHash('bcrypt $2b$', long);
    assert.equal(await verifyAnyHash(stored, `${long}anything after`), true);
  });

  it('refuse parameters over the caps: scrypt memory and p, PBKDF2 iterations, bcrypt cost, argon2 memory', () => {
    const key = Buffer.alloc(32).toString('base64').replace(/=+$/, '');
    const over = [
      `$scrypt$ln=18,r=16,p=1$c2FsdHNhbHQ$${key}`,
      `$scrypt$ln=14,r=8,p=64$c2FsdHNhbHQ$${key}`,
      `$pbkdf2-sha256$i=2000001,l=32$c2FsdHNhbHQ$${key}`,
      `$pbkdf2-sha512$5000000$c2FsdHNhbHQ$${key}`,
      `pbkdf2_sha256$3000000$salt$${Buffer.alloc(32).toString('base64')}`,
      `$2b$16$${'a'.repeat(53)}`,
      `$argon2id$v=19$m=1048576,t=2,p=1$c2FsdHNhbHQ$${key}`,
    ];
    for (const stored of over) assert.deepEqual(inspectHash(stored), { refusal: 'parameters over the cap' }, stored);
    assert.deepEqual(inspectHash(`$scrypt$ln=17,r=8,p=1$c2FsdHNhbHQ$${key}`), { scheme: 'scrypt' }, 'OWASP\'s scrypt setting is within the cap');
    assert.deepEqual(inspectHash(`pbkdf2_sha256$1000000$salt$${Buffer.alloc(32).toString('base64')}`), { scheme: 'pbkdf2-sha256' }, 'Django 5.2\'s iterations are within the cap');
  });
});
