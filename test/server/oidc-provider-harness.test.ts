/**
 * Self-test of the loopback OpenID Provider used by the SSO tests and the demo
 * (demo/oidc-provider.ts), driven with openid-client as our relying party does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { startTestProvider, type TestProvider } from '../../demo/oidc-provider.js';
import { signInAtProvider } from '../support/sign-in-at-provider.js';

const REDIRECT_URI = 'http://localhost:3000/';

async function discover(provider: TestProvider): Promise<client.Configuration> {
  return client.discovery(
    new URL(provider.issuer),
    provider.clientId,
    provider.clientSecret,
    client.ClientSecretBasic(provider.clientSecret),
    { execute: [client.allowInsecureRequests] },
  );
}

interface StartedRequest {
  url: URL;
  pkceCodeVerifier: string;
  state: string;
  nonce: string;
}

async function authorizationRequest(config: client.Configuration, { pkce = true } = {}): Promise<StartedRequest> {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const parameters: Record<string, string> = {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile',
    state,
    nonce,
  };
  if (pkce) {
    parameters.code_challenge = await client.calculatePKCECodeChallenge(pkceCodeVerifier);
    parameters.code_challenge_method = 'S256';
  }
  return { url: client.buildAuthorizationUrl(config, parameters), pkceCodeVerifier, state, nonce };
}

function redeem(config: client.Configuration, callbackUrl: URL, request: StartedRequest) {
  return client.authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: request.pkceCodeVerifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
    idTokenExpected: true,
  });
}

describe('test OpenID provider (oidc-provider on loopback)', () => {
  let provider: TestProvider;
  let config: client.Configuration;

  before(async () => {
    provider = await startTestProvider({
      accounts: [
        { email: 'sam@acme.example', name: 'Sam Jansen' },
        { email: 'alex@acme.example', name: 'Alex de Boer', sub: 'alex-subject' },
      ],
      redirectUris: [REDIRECT_URI],
    });
    config = await discover(provider);
  });

  after(async () => {
    await provider.close();
  });

  it('serves discovery for an http loopback issuer, advertising RFC 9207 iss and S256', () => {
    assert.match(provider.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(provider.clientId, 'login-flow-test');
    assert.match(provider.clientSecret, /^[A-Za-z0-9_-]{43}$/);
    const metadata = config.serverMetadata();
    assert.equal(metadata.issuer, provider.issuer);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(metadata.response_types_supported, ['code']);
    for (const scope of ['openid', 'email', 'profile']) assert.ok(metadata.scopes_supported?.includes(scope), scope);
  });

  it('completes a code + PKCE round trip with email, email_verified, name and nonce in the ID token', async () => {
    const request = await authorizationRequest(config);
    const callbackUrl = await signInAtProvider(request.url.href, { email: 'Sam@Acme.example' });
    assert.equal(`${callbackUrl.origin}${callbackUrl.pathname}`, REDIRECT_URI);
    assert.equal(callbackUrl.searchParams.get('state'), request.state);
    assert.equal(callbackUrl.searchParams.get('iss'), provider.issuer);
    assert.ok(callbackUrl.searchParams.get('code'));

    const tokens = await redeem(config, callbackUrl, request);
    const claims = tokens.claims();
    assert.ok(claims);
    assert.equal(claims.iss, provider.issuer);
    assert.equal(claims.aud, provider.clientId);
    assert.equal(claims.email, 'sam@acme.example');
    assert.equal(claims.email_verified, true);
    assert.equal(claims.name, 'Sam Jansen');
    assert.equal(claims.nonce, request.nonce);
    assert.match(claims.sub, /^[A-Za-z0-9_-]{24}$/);

    // The derived sub is stable across sign-ins.
    const again = await authorizationRequest(config);
    const secondClaims = (await redeem(config, await signInAtProvider(again.url.href, { email: 'sam@acme.example' }), again)).claims();
    assert.equal(secondClaims?.sub, claims.sub);
  });

  it('uses a given sub and reflects setAccount changes (unverified email)', async () => {
    provider.setAccount({ email: 'alex@acme.example', name: 'Alex de Boer', sub: 'alex-subject', emailVerified: false });
    const request = await authorizationRequest(config);
    const claims = (await redeem(config, await signInAtProvider(request.url.href, { email: 'alex@acme.example' }), request)).claims();
    assert.equal(claims?.sub, 'alex-subject');
    assert.equal(claims?.email_verified, false);
    provider.setAccount({ email: 'alex@acme.example', name: 'Alex de Boer', sub: 'alex-subject' });
  });

  it('shows the login page with a labelled email input and rejects an unknown email', async () => {
    const request = await authorizationRequest(config);
    const first = await fetch(request.url, { redirect: 'manual' });
    assert.equal(first.status, 303);
    const interaction = new URL(first.headers.get('location') ?? '', provider.issuer);
    assert.match(interaction.pathname, /^\/interaction\/[^/]+$/);
    const cookie = first.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const pageResponse = await fetch(interaction, { headers: { cookie } });
    const html = await pageResponse.text();
    assert.equal(pageResponse.status, 200);
    assert.match(html, /<h1>Test Identity Provider<\/h1>/);
    assert.match(html, /<label for="email">Email<\/label>/);
    assert.match(html, /<input id="email" name="email" type="email"/);
    assert.match(html, />Sign in<\/button>/);
    assert.match(html, /name="cancel"[^>]*>Cancel<\/button>/);

    await assert.rejects(signInAtProvider(request.url.href, { email: 'nobody@acme.example' }), /No account with this email/);
  });

  it('grants consent automatically, also when the RP asks prompt=consent', async () => {
    const request = await authorizationRequest(config);
    request.url.searchParams.set('prompt', 'login consent');
    const callbackUrl = await signInAtProvider(request.url.href, { email: 'alex@acme.example' });
    const claims = (await redeem(config, callbackUrl, request)).claims();
    assert.equal(claims?.email, 'alex@acme.example');
  });

  it('answers access_denied when the person cancels', async () => {
    const request = await authorizationRequest(config);
    const callbackUrl = await signInAtProvider(request.url.href, { cancel: true });
    assert.equal(`${callbackUrl.origin}${callbackUrl.pathname}`, REDIRECT_URI);
    assert.equal(callbackUrl.searchParams.get('error'), 'access_denied');
    assert.equal(callbackUrl.searchParams.get('error_description'), 'The person cancelled the sign-in');
    assert.equal(callbackUrl.searchParams.get('state'), request.state);
    assert.equal(callbackUrl.searchParams.get('iss'), provider.issuer);
    assert.equal(callbackUrl.searchParams.get('code'), null);
  });

  it('refuses an authorization request without PKCE', async () => {
    const request = await authorizationRequest(config, { pkce: false });
    const callbackUrl = await signInAtProvider(request.url.href, { email: 'sam@acme.example' });
    assert.equal(callbackUrl.searchParams.get('error'), 'invalid_request');
    assert.match(callbackUrl.searchParams.get('error_description') ?? '', /PKCE/);
    assert.equal(callbackUrl.searchParams.get('code'), null);
  });

  it('refuses a redemption with the wrong code_verifier', async () => {
    const request = await authorizationRequest(config);
    const callbackUrl = await signInAtProvider(request.url.href, { email: 'sam@acme.example' });
    await assert.rejects(
      redeem(config, callbackUrl, { ...request, pkceCodeVerifier: client.randomPKCECodeVerifier() }),
      (error: unknown) => (error as { error?: string }).error === 'invalid_grant',
    );
  });
});

describe('test OpenID provider: authorization code lifetime', () => {
  it('refuses a code redeemed after it expired (authorizationCodeTtlSeconds: 1)', async (t) => {
    const provider = await startTestProvider({
      accounts: [{ email: 'sam@acme.example', name: 'Sam Jansen' }],
      redirectUris: [REDIRECT_URI],
      clientId: 'short-lived',
      clientSecret: 'short-lived-secret',
      authorizationCodeTtlSeconds: 1,
    });
    t.after(() => provider.close());
    assert.equal(provider.clientId, 'short-lived');
    assert.equal(provider.clientSecret, 'short-lived-secret');
    const config = await discover(provider);
    const request = await authorizationRequest(config);
    const callbackUrl = await signInAtProvider(request.url.href, { email: 'sam@acme.example' });
    // The provider reads the process clock (Date): move it past the code's one-second lifetime instead of waiting.
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() + 2000 });
    await assert.rejects(
      redeem(config, callbackUrl, request),
      (error: unknown) => (error as { error?: string }).error === 'invalid_grant',
    );
  });
});
