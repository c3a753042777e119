import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CATALOGUE, type ErrorCode } from '../../server/errors.js';
import type { FlowState } from '../../server/flows/protocol.js';
import { EMAIL, act, assertError, bodyOf, reachPassword, startLogin, startServer, type TestServer } from './helpers.js';

const JSON_TYPE = { 'content-type': 'application/json' };

/** Posts a raw body with a JSON content type. */
function postRaw(server: TestServer, path: string, body: string, headers: Record<string, string> = JSON_TYPE): Promise<Response> {
  return server.request(path, { method: 'POST', headers, body });
}

describe('bad input at the email step', () => {
  const cases: Array<[string, string, ErrorCode, string?]> = [
    ['malformed JSON', '{"email":', 'invalid_json'],
    ['a JSON array', '[]', 'invalid_request'],
    ['a JSON array of objects', '[{"email":"alice@example.com"}]', 'invalid_request'],
    ['JSON null', 'null', 'invalid_request', 'email'],
    ['a JSON number', '42', 'invalid_request'],
    ['a JSON string', '"alice@example.com"', 'invalid_request'],
    ['an object without email', '{}', 'invalid_request', 'email'],
    ['email as a number', '{"email":5}', 'invalid_request', 'email'],
    ['email as an object', '{"email":{"$ne":null}}', 'invalid_request', 'email'],
    ['email as an array', '{"email":["alice@example.com"]}', 'invalid_request', 'email'],
    ['an email over 1024 characters', JSON.stringify({ email: `${'a'.repeat(2000)}@example.com` }), 'invalid_request', 'email'],
    ['an email over 254 characters', JSON.stringify({ email: `${'a'.repeat(250)}@example.com` }), 'invalid_email', 'email'],
    ['an email with a NUL byte', JSON.stringify({ email: 'alice\u0000@example.com' }), 'invalid_email', 'email'],
  ];
  for (const [name, body, code, field] of cases) {
    it(`answers ${code} for ${name}`, async (t) => {
      const server = await startServer(t);
      const flow = await startLogin(server);
      const response = await postRaw(server, `/api/flows/${flow.id}/email`, body);
      const parsed = await bodyOf<{ error?: { code: string; field?: string } }>(response.clone());
      await assertError(response, code);
      if (field) assert.equal(parsed.error?.field, field);
    });
  }

  it('keeps the flow at the email step after bad input', async (t) => {
    const server = await startServer(t);
    const flow = await startLogin(server);
    await postRaw(server, `/api/flows/${flow.id}/email`, '[]');
    const response = await act(server, flow.id, 'email', { email: EMAIL });
    assert.equal((await bodyOf<FlowState>(response)).step, 'password');
  });
});

describe('bad input at the password step', () => {
  const cases: Array<[string, unknown, ErrorCode]> = [
    ['a missing password', {}, 'invalid_request'],
    ['an empty password', { password: '' }, 'invalid_request'],
    ['a password that is a number', { password: 12345 }, 'invalid_request'],
    ['a password that is null', { password: null }, 'invalid_request'],
    ['an extra field', { password: 'Correct-Horse-9-Battery', admin: true }, 'invalid_request'],
    ['a password over 4096 characters', { password: 'x'.repeat(5000) }, 'invalid_request'],
  ];
  for (const [name, body, code] of cases) {
    it(`answers ${code} for ${name}`, async (t) => {
      const server = await startServer(t);
      const id = await reachPassword(server);
      const response = await act(server, id, 'password', body);
      const flow = await bodyOf<FlowState>(response.clone());
      await assertError(response, code);
      assert.equal(flow.step, 'password');
    });
  }

  it('refuses an extra field on back', async (t) => {
    const server = await startServer(t);
    const id = await reachPassword(server);
    await assertError(await act(server, id, 'back', { step: 'done' }), 'invalid_request');
  });
});

describe('bad requests', () => {
  it('answers body_too_large (413) for a body over BODY_LIMIT_BYTES with a Content-Length', async (t) => {
    const server = await startServer(t, { BODY_LIMIT_BYTES: '2048' });
    const flow = await startLogin(server);
    const body = JSON.stringify({ email: 'x'.repeat(4000) });
    await assertError(await postRaw(server, `/api/flows/${flow.id}/email`, body, { ...JSON_TYPE, 'content-length': String(body.length) }), 'body_too_large');
  });

  it('answers body_too_large (413) for a streamed body over BODY_LIMIT_BYTES', async (t) => {
    const server = await startServer(t, { BODY_LIMIT_BYTES: '2048' });
    const flow = await startLogin(server);
    const chunk = new TextEncoder().encode(' '.repeat(1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await server.request(`/api/flows/${flow.id}/email`, { method: 'POST', headers: JSON_TYPE, body: stream, duplex: 'half' } as RequestInit);
    await assertError(response, 'body_too_large');
  });

  it('answers body_too_large for the default limit', async (t) => {
    const server = await startServer(t);
    const body = JSON.stringify({ email: 'x'.repeat(server.config.bodyLimitBytes) });
    await assertError(await postRaw(server, '/api/flows/login', body), 'body_too_large');
  });

  it('answers unknown_flow_kind (404) for a flow kind that does not exist', async (t) => {
    const server = await startServer(t);
    await assertError(await server.post('/api/flows/signup'), 'unknown_flow_kind');
  });

  it('answers unsupported_media_type when a flow start carries a non-JSON body', async (t) => {
    const server = await startServer(t);
    await assertError(await postRaw(server, '/api/flows/login', 'hello', { 'content-type': 'text/plain' }), 'unsupported_media_type');
  });

  for (const [name, id] of [
    ['too short', 'abc'],
    ['too long', 'A'.repeat(65)],
    ['not base64url', `${'A'.repeat(30)}$!`],
    ['an encoded path traversal', '..%2F..%2Fetc%2Fpasswd'],
    ['a percent-encoded NUL', `${'A'.repeat(30)}%00`],
  ] as const) {
    it(`answers flow_not_found for a flow id that is ${name}`, async (t) => {
      const server = await startServer(t);
      await startLogin(server);
      const response = await server.post(`/api/flows/${id}/email`, { email: EMAIL });
      await assertError(response, 'flow_not_found');
    });
  }

  it('does not reach another route through a literal path traversal in the flow id', async (t) => {
    const server = await startServer(t);
    const response = await server.post('/api/flows/../session/email', { email: EMAIL });
    assert.ok(response.status >= 400 && response.status < 500, `status ${response.status}`);
    const body = await bodyOf<{ error?: { code: string } }>(response);
    assert.ok(body.error && body.error.code in ERROR_CATALOGUE);
  });

  it('answers action_not_allowed for an action the flow does not have', async (t) => {
    const server = await startServer(t);
    const flow = await startLogin(server);
    const response = await act(server, flow.id, 'frobnicate', {});
    const body = await bodyOf<FlowState>(response.clone());
    await assertError(response, 'action_not_allowed');
    assert.equal(body.step, 'email');
  });

  it('answers action_not_allowed for the password action at the email step', async (t) => {
    const server = await startServer(t);
    const flow = await startLogin(server);
    await assertError(await act(server, flow.id, 'password', { password: 'Correct-Horse-9-Battery' }), 'action_not_allowed');
  });

  it('answers action_not_allowed for an inherited property name as the action', async (t) => {
    const server = await startServer(t);
    const flow = await startLogin(server);
    await assertError(await act(server, flow.id, 'constructor', {}), 'action_not_allowed');
    await assertError(await act(server, flow.id, '__proto__', {}), 'action_not_allowed');
  });

  it('answers unknown_flow_kind for an inherited property name as the kind', async (t) => {
    const server = await startServer(t);
    await assertError(await server.post('/api/flows/constructor'), 'unknown_flow_kind');
    await assertError(await server.post('/api/flows/__proto__'), 'unknown_flow_kind');
  });

  it('answers not_found (404) for an unknown route', async (t) => {
    const server = await startServer(t);
    await assertError(await server.request('/api/nothing-here'), 'not_found');
    await assertError(await server.request('/nothing-here'), 'not_found');
  });
});

describe('every error is a catalogue code, never a 500 or a stack trace', () => {
  const requests: Array<[string, (server: TestServer, flowId: string) => Promise<Response>]> = [
    ['malformed JSON', (s, id) => postRaw(s, `/api/flows/${id}/email`, '{')],
    ['a body that is only whitespace and a BOM', (s, id) => postRaw(s, `/api/flows/${id}/email`, '\uFEFF  ')],
    ['deeply nested JSON', (s, id) => postRaw(s, `/api/flows/${id}/email`, `${'['.repeat(5000)}${']'.repeat(5000)}`)],
    ['a JSON content type with a charset', (s, id) => postRaw(s, `/api/flows/${id}/email`, '{"email":1}', { 'content-type': 'application/json; charset=utf-8' })],
    ['an unknown flow kind', (s) => s.post('/api/flows/x')],
    ['a garbage flow id', (s) => s.post('/api/flows/%ZZ/email', {})],
    ['an unknown action', (s, id) => act(s, id, 'nope', {})],
    ['GET on a flow', (s, id) => s.request(`/api/flows/${id}/email`)],
    ['PUT on a flow start', (s) => s.request('/api/flows/login', { method: 'PUT' })],
    ['an unknown route', (s) => s.request('/api/x/y/z')],
    ['an oversized bearer token', (s) => s.request('/api/session', { headers: { authorization: `Bearer ${'!'.repeat(5000)}` } })],
    ['a malformed cookie', (s) => s.request('/api/session', { headers: { cookie: '__Host-lf_session=%E0%A4%A' } })],
    ['an oversized body', (s, id) => postRaw(s, `/api/flows/${id}/email`, JSON.stringify({ email: 'x'.repeat(20_000) }))],
  ];
  for (const [name, send] of requests) {
    it(`answers ${name} with a 4xx catalogue code and no internals`, async (t) => {
      const server = await startServer(t);
      const flow = await startLogin(server);
      const response = await send(server, flow.id);
      const text = await response.text();
      assert.ok(response.status >= 400 && response.status < 500, `status ${response.status}: ${text}`);
      const body = JSON.parse(text) as { error?: { code: string } };
      assert.ok(body.error && body.error.code in ERROR_CATALOGUE, `not a catalogue code: ${text}`);
      assert.equal(response.status, ERROR_CATALOGUE[body.error.code as ErrorCode].status);
      assert.doesNotMatch(text, /stack|\bat .+:\d+:\d+|\/work\/|server\/|node_modules|\.ts\b/);
    });
  }
});
