import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { FlowState } from '../../server/flows/protocol.js';
import { createLogger } from '../../server/log.js';
import {
  EMAIL,
  PASSWORD,
  SESSION_COOKIE_NAME,
  WRONG_PASSWORD,
  act,
  addUser,
  bodyOf,
  grantOf,
  sessionCookieToken,
  startLogin,
  startServer,
  type TestServer,
} from './helpers.js';

interface Captured {
  server: TestServer;
  lines: string[];
  /** Every secret the requests carried or received. */
  secrets: Record<string, string>;
  requestIds: string[];
}

/** A failed sign-in, a successful one, a session read and a sign-out, with every log line captured. */
async function loginWithLogs(t: TestContext): Promise<Captured> {
  const lines: string[] = [];
  const server = await startServer(t, { LOG_LEVEL: 'debug' }, { log: createLogger('debug', (line) => lines.push(line)) });
  await addUser(server);
  const requestIds: string[] = [];
  const track = (response: Response) => {
    requestIds.push(response.headers.get('x-request-id') ?? '');
    return response;
  };

  const failed = await startLogin(server);
  track(await act(server, failed.id, 'email', { email: EMAIL }));
  track(await act(server, failed.id, 'password', { password: WRONG_PASSWORD }));

  const flow = await startLogin(server);
  track(await act(server, flow.id, 'email', { email: EMAIL }));
  const done = track(await act(server, flow.id, 'password', { password: PASSWORD }));
  const token = sessionCookieToken(done);
  const grant = grantOf(await bodyOf<FlowState>(done));
  const cookie = { cookie: `${SESSION_COOKIE_NAME}=${token}` };
  const session = await bodyOf<{ jwt: { token: string } }>(track(await server.request('/api/session', { headers: cookie })));
  track(await server.request('/api/session', { method: 'DELETE', headers: cookie }));

  return {
    server,
    lines,
    requestIds,
    secrets: {
      'the right password': PASSWORD,
      'the wrong password': WRONG_PASSWORD,
      'the first flow id': failed.id,
      'the second flow id': flow.id,
      'the session token': token,
      'the JWT from done': grant.jwt,
      'the JWT from /api/session': session.jwt.token,
      'the email address': EMAIL,
    },
  };
}

describe('logging', () => {
  it('writes every line as one JSON object', async (t) => {
    const { lines } = await loginWithLogs(t);
    assert.ok(lines.length >= 8, `only ${lines.length} lines`);
    for (const line of lines) {
      assert.doesNotMatch(line, /\n/);
      const parsed = JSON.parse(line) as Record<string, unknown>;
      assert.equal(typeof parsed.level, 'string');
      assert.equal(typeof parsed.msg, 'string');
    }
  });

  it('gives every request line the request id that the response carries', async (t) => {
    const { lines, requestIds } = await loginWithLogs(t);
    const requestLines = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
    assert.ok(requestLines.length >= requestIds.length);
    for (const line of requestLines) assert.match(String(line.reqId), /^[0-9a-f-]{36}$/);
    const logged = new Set(requestLines.map((l) => l.reqId));
    for (const id of requestIds) assert.ok(logged.has(id), `no request line for ${id}`);
  });

  it('logs the route pattern, not the path with the flow id', async (t) => {
    const { lines } = await loginWithLogs(t);
    const routes = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request').map((l) => l.route);
    assert.ok(routes.includes('/api/flows/:id/:action'), JSON.stringify(routes));
  });

  it('records the failed and the successful sign-in as events', async (t) => {
    const { lines } = await loginWithLogs(t);
    const events = lines.map((l) => (JSON.parse(l) as Record<string, unknown>).event).filter(Boolean);
    assert.deepEqual(events, ['login.failure', 'login.success', 'logout']);
  });

  it('never logs a password, token, flow id, JWT or whole email address', async (t) => {
    const { lines, secrets } = await loginWithLogs(t);
    const all = lines.join('\n');
    for (const [name, secret] of Object.entries(secrets)) {
      assert.ok(!all.includes(secret), `the log contains ${name}`);
    }
    // Nor the JWT's signature alone, should a line carry a fragment.
    assert.ok(!all.includes(secrets['the JWT from done']!.split('.')[2]!), 'the log contains a JWT signature');
  });
});
