/*
 * Reading mail and texts the way a person does: from the dev outbox the
 * server writes to in tests. Plus the few store-level set-ups the invitation,
 * reset, SMS and admin suites share (a TOTP credential, a confirmed number).
 */
import assert from 'node:assert/strict';
import { TOTP, Secret } from 'otpauth';
import type { FlowState } from '../../server/flows/protocol.js';
import { createTotpSecret } from '../../server/factors/totp.js';
import { sha256 } from '../../server/security/random.js';
import { seal } from '../../server/security/secrets.js';
import { inviteUser } from '../../server/users.js';
import { bodyOf, type TestServer } from './helpers.js';

export interface Message {
  id: string;
  channel: string;
  recipient: string;
  subject: string;
  body: string;
}

/** Every message in the outbox for `to` on one channel. */
export async function messagesTo(server: TestServer, to: string, channel: 'email' | 'sms' = 'email'): Promise<Message[]> {
  return server.db
    .selectFrom('outbox')
    .select(['id', 'channel', 'recipient', 'subject', 'body'])
    .where('recipient', '=', to)
    .where('channel', '=', channel)
    .execute();
}

/** The messages that arrived since `before` was read (outbox rows share timestamps under the test clock, so compare by id). */
export async function newMessages(server: TestServer, to: string, before: Message[], channel: 'email' | 'sms' = 'email'): Promise<Message[]> {
  const seen = new Set(before.map((m) => m.id));
  return (await messagesTo(server, to, channel)).filter((m) => !seen.has(m.id));
}

/**
 * Polls until `check` returns a value (mail sent in the background lands a few
 * event-loop turns after the answer). Yields with setImmediate, never sleeps.
 */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, turns = 2_000): Promise<T> {
  for (let i = 0; i < turns; i++) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return assert.fail(`timed out waiting for ${what}`);
}

/** The `#token=` of a link in a mail body. */
export function linkTokenIn(body: string): string {
  const token = /#token=([A-Za-z0-9_-]+)/.exec(body)?.[1];
  assert.ok(token, `a link with a token in: ${body.slice(0, 200)}`);
  return token;
}

export function tokenOf(link: string): string {
  return new URL(link).hash.replace('#token=', '');
}

/** The six-digit code in a verification mail or an SMS. */
export function codeIn(message: Message): string {
  const code = /\b(\d{6})\b/.exec(message.body)?.[1];
  assert.ok(code, `a code in: ${message.body.slice(0, 200)}`);
  return code;
}

/** The one verification-code mail among `messages`. */
export function onlyCodeMail(messages: Message[]): Message {
  const codes = messages.filter((m) => /verification code/i.test(m.subject));
  assert.equal(codes.length, 1, `one code mail, got ${messages.map((m) => m.subject).join(' | ')}`);
  return codes[0]!;
}

/** Invites `email` (as the CLI would) and returns the link's token. */
export async function invite(server: TestServer, email: string, options: { name?: string; locale?: 'en' | 'nl' } = {}): Promise<string> {
  const invitation = await inviteUser(server.context, { email, actor: 'cli', ...options });
  return tokenOf(invitation.link);
}

/** Opens an emailed link: starts an `activate` or `reset` flow with its token. */
export function openLink(server: TestServer, kind: 'activate' | 'reset', token: unknown): Promise<Response> {
  return server.post(`/api/flows/${kind}`, { token });
}

export async function flowOf(response: Response): Promise<FlowState> {
  return bodyOf<FlowState>(response);
}

/** A flow's stored row, by the id the client holds. */
export async function flowRow(server: TestServer, id: string) {
  return server.db.selectFrom('flows').selectAll().where('id_hash', '=', sha256(id)).executeTakeFirst();
}

/** Gives a user a confirmed authenticator app, straight in the store; returns its base32 secret. */
export async function addTotp(server: TestServer, userId: string): Promise<string> {
  const secret = createTotpSecret();
  const id = crypto.randomUUID();
  await server.db
    .insertInto('credentials')
    .values({ id, user_id: userId, type: 'totp', secret: seal(server.context.secretKey, secret, `totp:${id}`), name: 'Authenticator app', created_at: server.clock.now, confirmed_at: server.clock.now, last_used_at: null, last_step: null })
    .execute();
  return secret;
}

/** The authenticator app's code for `secret` at `time`. */
export function totpCode(secret: string, time: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: time });
}

/** Audit events of a user, oldest first. */
export async function auditOf(server: TestServer, userId: string) {
  return server.db.selectFrom('audit_events').selectAll().where('user_id', '=', userId).orderBy('at').execute();
}
