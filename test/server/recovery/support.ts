/*
 * What the recovery-request suites share: a company with its administrators
 * and a person who lost their authenticator app, and a request filed the way
 * the person files it (signed in up to the second factor).
 */
import assert from 'node:assert/strict';
import { addMember } from '../../../server/companies/members.js';
import { createOrganization } from '../../../server/companies/registry.js';
import type { FlowState } from '../../../server/flows/protocol.js';
import { act, addUser, bodyOf, PASSWORD, reachPassword, type RequestOptions, type TestServer } from '../helpers.js';
import { addTotp } from '../inbox.js';

export const PERSON = 'pim@acme.example';
export const ADMIN = 'ada@acme.example';
export const SECOND_ADMIN = 'bo@acme.example';
export const OUTSIDER = 'olga@globex.example';

export interface Company {
  personId: string;
  /** The person's authenticator app (base32), the one they lost. */
  secret: string;
  orgId: string;
}

/**
 * Acme with two administrators and the person (an employee with an
 * authenticator app); Globex with its own administrator.
 */
export async function company(server: TestServer): Promise<Company> {
  const app = server.context;
  const person = await addUser(server, PERSON);
  for (const email of [ADMIN, SECOND_ADMIN, OUTSIDER]) await addUser(server, email);
  const acme = await createOrganization(app, { name: 'Acme', slug: 'acme', actor: 'cli' });
  const globex = await createOrganization(app, { name: 'Globex', slug: 'globex', actor: 'cli' });
  await addMember(app, { organization: acme.id, email: PERSON, actor: 'cli' });
  await addMember(app, { organization: acme.id, email: ADMIN, role: 'admin', actor: 'cli' });
  await addMember(app, { organization: acme.id, email: SECOND_ADMIN, role: 'admin', actor: 'cli' });
  await addMember(app, { organization: globex.id, email: OUTSIDER, role: 'admin', actor: 'cli' });
  const secret = await addTotp(server, person.id);
  return { personId: person.id, secret, orgId: acme.id };
}

/** Signs in with the password up to `second-factor`; returns the flow there. */
export async function atSecondFactor(server: TestServer, email = PERSON, options: RequestOptions = {}): Promise<FlowState> {
  const id = await reachPassword(server, email, options);
  const flow = await bodyOf<FlowState>(await act(server, id, 'password', { password: PASSWORD }, options));
  assert.equal(flow.step, 'second-factor', JSON.stringify(flow.error));
  return flow;
}

/** Files a request from the second factor; returns the stored request's id. */
export async function fileRequest(server: TestServer, email = PERSON, body: Record<string, unknown> = { note: 'My phone fell in the canal.' }): Promise<string> {
  const flow = await atSecondFactor(server, email);
  const answer = await act(server, flow.id, 'request-recovery', body);
  assert.equal(answer.status, 200);
  assert.equal((await bodyOf<FlowState>(answer)).step, 'recovery-requested');
  const row = await server.db.selectFrom('recovery_requests').innerJoin('users', 'users.id', 'recovery_requests.user_id').select('recovery_requests.id').where('users.email', '=', email).orderBy('recovery_requests.created_at', 'desc').executeTakeFirst();
  assert.ok(row, 'a stored request');
  return row.id;
}

/** The admin API with the test key. */
export const ADMIN_KEY = 'k'.repeat(40);
export const ADMIN_ENV = { ADMIN_API_KEY: ADMIN_KEY };

/** Calls the admin API. */
export function admin(server: TestServer, method: string, path: string, body?: unknown): Promise<Response> {
  return server.request(`/api/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
