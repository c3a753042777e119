/*
 * The demo's companies, made on first start in development: twice, or by
 * several processes at the same moment, they come out the same.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_TWO_COMPANIES, ensureDemoCompanies } from '../../../server/companies/demo.js';
import { startServer } from '../helpers.js';

test('seeding the demo companies at once from four callers, then again, makes each row once', async (t) => {
  const server = await startServer(t);
  const printed: string[] = [];
  await Promise.all([1, 2, 3, 4].map(() => ensureDemoCompanies(server.context, (line) => printed.push(line))));
  await ensureDemoCompanies(server.context, (line) => printed.push(line));
  const organizations = await server.db.selectFrom('organizations').select('slug').orderBy('slug').execute();
  assert.deepEqual(organizations.map((o) => o.slug), ['acme', 'bakkerij-de-vries', 'noordzee-logistics']);
  const memberships = await server.db.selectFrom('memberships').innerJoin('users', 'users.id', 'memberships.user_id').select('users.email').orderBy('users.email').execute();
  assert.deepEqual(memberships.map((m) => m.email), ['alex@acme.example', DEMO_TWO_COMPANIES.email, DEMO_TWO_COMPANIES.email, 'sam@acme.example']);
  assert.equal((await server.db.selectFrom('sso_connections').select('organization_id').execute()).length, 1);
  // The password is printed by the one caller that made the person.
  assert.equal(printed.filter((line) => line.startsWith('Demo person with two companies created')).length, 1);
});
