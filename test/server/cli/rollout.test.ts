/*
 * The CLI's 2FA rollout: `org create` and `org policy` with the stages'
 * dates, `org list` showing them, `org stats`. The CLI runs on the real
 * clock, so its dates are long past (2020) or far ahead (2099).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../server/config.js';
import { listOrganizations, type RolloutStats } from '../../../server/companies/organizations.js';
import { createUser } from '../../../server/users.js';
import { CLI_CONCURRENCY, cli, dataDir, withStore } from '../cli-run.js';

const VALID = 'Correct-Horse-9-Battery';

/** A run that must succeed; returns its output. */
async function run(dir: string, args: string[]): Promise<string> {
  const result = await cli(dir, args);
  assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** A run that must fail with a message matching `message`. */
async function refused(dir: string, args: string[], message: RegExp): Promise<void> {
  const result = await cli(dir, args);
  assert.equal(result.code, 2, `${args.join(' ')}: ${result.stdout}`);
  assert.match(result.stderr, message);
}

/** The stages of the one company in the store. */
async function stagesOf(dir: string): Promise<[string | null, string | null, string | null]> {
  const [o] = await withStore(dir, listOrganizations);
  return [o!.mfaPromptFrom, o!.mfaAskCodeFrom, o!.mfaRequiredFrom];
}

describe('cli: a company\'s 2FA rollout', { concurrency: CLI_CONCURRENCY }, () => {
  it('org create and org policy set the stages in order, org list shows them; bad dates, wrong order and unknown companies are refused', async (t) => {
    const dir = dataDir(t);
    await run(dir, ['org', 'create', '--name', 'Nmbrs', '--mfa-prompt-from', '2099-01-01', '--mfa-ask-code-from', '2099-02-01', '--mfa-required-from', '2099-03-01']);
    assert.deepEqual(await stagesOf(dir), ['2099-01-01', '2099-02-01', '2099-03-01']);
    assert.match(await run(dir, ['org', 'list']), /^nmbrs\tNmbrs\t0 members\tprompt from 2099-01-01, code from 2099-02-01, 2FA from 2099-03-01\tno sso$/m);

    await Promise.all([
      refused(dir, ['org', 'create', '--name', 'Late', '--mfa-prompt-from', '2099-04-01', '--mfa-required-from', '2099-03-01'], /--mfa-prompt-from 2099-04-01 is after --mfa-required-from 2099-03-01/),
      refused(dir, ['org', 'policy', '--org', 'nmbrs', '--mfa-ask-code-from', '2099-04-01'], /--mfa-ask-code-from 2099-04-01 is after --mfa-required-from 2099-03-01/),
    ]);
    await Promise.all([
      refused(dir, ['org', 'policy', '--org', 'nmbrs', '--mfa-prompt-from', '2099-02-30'], /--mfa-prompt-from is a date, YYYY-MM-DD, or none/),
      refused(dir, ['org', 'policy', '--org', 'nmbrs'], /give at least one stage/),
    ]);
    await Promise.all([
      refused(dir, ['org', 'policy', '--org', 'globex', '--mfa-prompt-from', '2099-01-01'], /organization_not_found/),
      refused(dir, ['org', 'create', '--name', 'Other', '--mfa-ask-code-from', 'none'], /--mfa-ask-code-from is a date, YYYY-MM-DD$/m),
    ]);
    assert.deepEqual(await stagesOf(dir), ['2099-01-01', '2099-02-01', '2099-03-01'], 'no refusal wrote anything');

    // The flag of before still works alone; none drops a stage, the others stay.
    const output = await run(dir, ['org', 'policy', '--org', 'nmbrs', '--mfa-ask-code-from', 'none', '--mfa-prompt-from', '2020-01-01']);
    assert.match(output, /2FA required from 2099-03-01; people without 2FA prompted to set 2FA up from 2020-01-01; people with 2FA asked for their code\./);
    await run(dir, ['org', 'policy', '--org', 'nmbrs', '--mfa-required-from', 'none']);
    assert.deepEqual(await stagesOf(dir), ['2020-01-01', null, null]);
  });

  it('org stats counts the members by second factor, and shows the stages and whether each has come', async (t) => {
    const dir = dataDir(t);
    await run(dir, ['org', 'create', '--name', 'Nmbrs', '--mfa-prompt-from', '2020-01-01', '--mfa-ask-code-from', '2099-02-01', '--mfa-required-from', '2099-03-01']);
    await withStore(dir, async (db) => {
      const config = loadConfig({ DATA_DIR: dir });
      const org = await db.selectFrom('organizations').select('id').executeTakeFirstOrThrow();
      const now = Date.now();
      for (const [email, types, snooze] of [['a@example.com', ['totp', 'sms'], 0], ['b@example.com', ['passkey'], 0], ['c@example.com', [], 3], ['d@example.com', [], 0]] as const) {
        const user = await createUser(db, config, { email, password: VALID, now });
        await db.insertInto('memberships').values({ id: randomUUID(), user_id: user.id, organization_id: org.id, role: 'employee', created_at: now, last_used_at: null }).execute();
        await db.updateTable('users').set({ mfa_snooze: snooze }).where('id', '=', user.id).execute();
        for (const type of types) {
          await db.insertInto('credentials').values({ id: randomUUID(), user_id: user.id, type, secret: null, name: type, created_at: now, confirmed_at: now, last_used_at: null, last_step: null, credential_id: type === 'passkey' ? randomUUID() : null }).execute();
        }
      }
    });
    const [text, json, unknown] = await Promise.all([cli(dir, ['org', 'stats', '--org', 'nmbrs']), cli(dir, ['org', 'stats', '--org', 'nmbrs', '--json']), cli(dir, ['org', 'stats', '--org', 'globex'])]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^members\s+4$/m);
    assert.match(text.stdout, /^ {2}with 2FA\s+2 {2}\(50%\)$/m);
    assert.match(text.stdout, /^ {4}totp\s+1$/m);
    assert.match(text.stdout, /^ {4}deferred\s+1 {2}\("remind me later"\)$/m);
    assert.match(text.stdout, /^ {2}prompt\s+2020-01-01 {2}\(reached\)$/m);
    assert.match(text.stdout, /^ {2}code\s+2099-02-01 {2}\(not yet\)$/m);
    const stats = JSON.parse(json.stdout) as RolloutStats;
    assert.deepEqual({ ...stats, organization: stats.organization.slug }, {
      organization: 'nmbrs',
      members: 4,
      sso: 0,
      withMfa: 2,
      byMethod: { totp: 1, passkey: 1, sms: 1, approver: 0 },
      withoutMfa: 2,
      recoveryCodeOnly: 0,
      deferred: 1,
      stages: { prompt: { from: '2020-01-01', reached: true }, askCode: { from: '2099-02-01', reached: false }, required: { from: '2099-03-01', reached: false } },
    });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /organization_not_found/);
  });
});
