/*
 * SMS delivery against a real HTTP server on 127.0.0.1 standing in for the
 * provider: each test checks the exact request the provider would get.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { createSmsSender, httpSmsSender, smsCodeText, SmsDeliveryError, type SmsSender } from '../../../server/delivery/sms.js';
import { startServer } from '../helpers.js';

const NUMBER = '+31612345678';
/** Everything that breaks a naive template: quotes, a backslash, newlines, `&`, `=`, `+`, non-ASCII and a placeholder. */
const TEXT = 'He said "hi"\\ \n& then = 1+1\r\nCafé {{to}}';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Provider {
  url: string;
  requests: Recorded[];
  /** The status to answer with; null: never answer. */
  status: number | null;
  headers: Record<string, string>;
}

async function startProvider(t: TestContext, path = '/v1/messages?account=7'): Promise<Provider> {
  const provider: Provider = { url: '', requests: [], status: 202, headers: {} };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      provider.requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (provider.status === null) return;
      response.writeHead(provider.status, { 'content-type': 'application/json', ...provider.headers });
      response.end('{"id":"msg_1"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return provider;
}

function senderOf(sms: SmsSender | null): SmsSender {
  assert.ok(sms, 'expected an SMS sender');
  return sms;
}

async function deliveryError(promise: Promise<unknown>): Promise<SmsDeliveryError> {
  const error = await promise.then(
    () => assert.fail('expected the send to fail'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof SmsDeliveryError, `expected an SmsDeliveryError, got ${String(error)}`);
  assert.ok(!error.message.includes('612345678'), 'the number stays out of the message');
  assert.ok(!error.message.includes('said'), 'the text stays out of the message');
  return error;
}

describe('SMS through a provider (SMS=http)', () => {
  it('POSTs the JSON body with the number and the text as JSON strings, and the Authorization header', async (t) => {
    const provider = await startProvider(t);
    const server = await startServer(t, { SMS: 'http', SMS_URL: provider.url, SMS_AUTH: 'Bearer s3cret-token', SMS_FROM: 'Payroll' });

    await senderOf(server.context.sms).send({ to: NUMBER, text: TEXT });

    assert.equal(provider.requests.length, 1);
    const [request] = provider.requests;
    assert.equal(request!.method, 'POST');
    assert.equal(request!.url, '/v1/messages?account=7');
    assert.equal(request!.headers.authorization, 'Bearer s3cret-token');
    assert.equal(request!.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(request!.body), { to: NUMBER, from: 'Payroll', text: TEXT });
  });

  it('form-encodes each value for application/x-www-form-urlencoded', async (t) => {
    const provider = await startProvider(t, '/send');
    const server = await startServer(t, {
      SMS: 'http',
      SMS_URL: provider.url,
      SMS_CONTENT_TYPE: 'application/x-www-form-urlencoded',
      SMS_BODY: 'To={{to}}&From={{from}}&Body={{text}}&Type=text',
    });

    await senderOf(server.context.sms).send({ to: NUMBER, text: TEXT });

    const [request] = provider.requests;
    assert.equal(request!.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(request!.headers.authorization, undefined, 'no SMS_AUTH, no header');
    const form = new URLSearchParams(request!.body);
    assert.deepEqual([...form.keys()], ['To', 'From', 'Body', 'Type']);
    assert.equal(form.get('To'), NUMBER, 'the + survives (a bare + would read as a space)');
    assert.equal(form.get('From'), 'login-flow');
    assert.equal(form.get('Body'), TEXT);
    assert.equal(form.get('Type'), 'text');
  });

  it('fails with the status, not the number or the text, when the provider answers 500', async (t) => {
    const provider = await startProvider(t);
    provider.status = 500;
    const server = await startServer(t, { SMS: 'http', SMS_URL: provider.url });

    const error = await deliveryError(senderOf(server.context.sms).send({ to: NUMBER, text: 'He said 123456' }));

    assert.equal(error.message, 'SMS provider answered 500');
    assert.equal(provider.requests.length, 1, 'no retry');
  });

  it('fails when the provider does not answer in time', async (t) => {
    const provider = await startProvider(t);
    provider.status = null;
    const server = await startServer(t, { SMS: 'http', SMS_URL: provider.url });

    const error = await deliveryError(httpSmsSender(server.config, { timeoutMs: 100 }).send({ to: NUMBER, text: 'He said 123456' }));

    assert.equal(error.message, 'SMS provider did not answer within 100 ms');
  });

  it('fails when the provider cannot be reached', async (t) => {
    const provider = await startProvider(t);
    const server = await startServer(t, { SMS: 'http', SMS_URL: provider.url.replace(/:\d+\//, ':1/') });

    const error = await deliveryError(senderOf(server.context.sms).send({ to: NUMBER, text: 'He said 123456' }));

    assert.equal(error.message, 'SMS provider unreachable');
  });

  it('does not follow a redirect, which would send the number and the code elsewhere', async (t) => {
    const elsewhere = await startProvider(t, '/elsewhere');
    const provider = await startProvider(t);
    provider.status = 307;
    provider.headers = { location: elsewhere.url };
    const server = await startServer(t, { SMS: 'http', SMS_URL: provider.url });

    await deliveryError(senderOf(server.context.sms).send({ to: NUMBER, text: 'He said 123456' }));

    assert.equal(elsewhere.requests.length, 0);
  });
});

describe('SMS in development and off', () => {
  it('writes to the outbox with channel sms (SMS=outbox)', async (t) => {
    const server = await startServer(t, { SMS: 'outbox' });

    await senderOf(server.context.sms).send({ to: NUMBER, text: TEXT });

    const rows = await server.db.selectFrom('outbox').select(['channel', 'recipient', 'subject', 'body', 'html']).execute();
    assert.deepEqual(rows, [{ channel: 'sms', recipient: NUMBER, subject: 'SMS', body: TEXT, html: null }]);
  });

  it('has no sender when SMS=off', async (t) => {
    const server = await startServer(t, { SMS: 'off' });
    assert.equal(server.context.sms, null);
    assert.equal(createSmsSender(server.config, server.db, () => 0), null);
  });
});

describe('the SMS code text', () => {
  it('says the code, how long it works and not to share it, in one SMS segment', () => {
    const en = smsCodeText({ locale: 'en', appName: 'Payroll', code: '482910', minutes: 5 });
    const nl = smsCodeText({ locale: 'nl', appName: 'Payroll', code: '482910', minutes: 5 });
    assert.equal(en, '482910 is your Payroll verification code. Valid for 5 min. Do not share it with anyone.');
    assert.equal(nl, '482910 is je verificatiecode voor Payroll. 5 min. geldig. Deel deze code met niemand.');
    // 160 GSM-7 characters fit one segment (3GPP TS 23.038); with a 64-character app name too.
    for (const locale of ['en', 'nl'] as const) {
      const longest = smsCodeText({ locale, appName: 'A'.repeat(64), code: '482910', minutes: 10 });
      assert.ok(longest.length <= 160, `${locale}: ${longest.length} characters`);
    }
  });
});
