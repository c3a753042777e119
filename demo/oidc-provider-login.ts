import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OidcInteraction, OidcProvider } from './oidc-provider-library.js';
import type { AccountDirectory } from './oidc-provider-memory.js';
import { escapeHtml, loginPage, page, readForm, send } from './oidc-provider-pages.js';

/**
 * The demo provider's own login at `/interaction/:uid`: a known email signs in
 * and grants everything asked at once (no consent screen), Cancel answers
 * `access_denied`. Returns the handler for one request to that page.
 */
export function loginInteraction({ provider, accounts, title }: { provider: OidcProvider; accounts: AccountDirectory; title: string }) {
  /** Grants everything requested (no consent screen) and returns the grant id. */
  async function grantAll(details: OidcInteraction, accountId: string): Promise<string> {
    const clientOfRequest = String(details.params.client_id);
    const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const grant = existing?.accountId === accountId ? existing : new provider.Grant({ accountId, clientId: clientOfRequest });
    grant.addOIDCScope(['openid', 'email', 'profile', ...String(details.params.scope ?? '').split(' ')].filter(Boolean).join(' '));
    const requestedClaims = requestedClaimNames(details.params.claims);
    if (requestedClaims.length) grant.addOIDCClaims(requestedClaims);
    return grant.save();
  }

  return async function interaction(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    let details: OidcInteraction;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      send(res, 400, page(title, `<h1>${escapeHtml(title)}</h1>\n<p role="alert">This sign-in request has expired or is not valid. Start again from the application.</p>`));
      return;
    }
    if (details.uid !== uid) {
      send(res, 400, page(title, `<h1>${escapeHtml(title)}</h1>\n<p role="alert">This sign-in request does not match this page. Start again from the application.</p>`));
      return;
    }
    const clientOfRequest = String(details.params.client_id);

    if (details.prompt.name === 'consent') {
      // Someone already signed in here: consent is granted automatically.
      const accountId = details.session?.accountId;
      if (!accountId) throw new Error('consent prompt without a signed-in account');
      const grantId = await grantAll(details, accountId);
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    if (details.prompt.name !== 'login') {
      send(res, 400, page(title, `<h1>${escapeHtml(title)}</h1>\n<p role="alert">Unsupported prompt: ${escapeHtml(details.prompt.name)}</p>`));
      return;
    }

    if (req.method === 'GET' || req.method === 'HEAD') {
      send(res, 200, loginPage({ title, uid, clientId: clientOfRequest }));
      return;
    }
    if (req.method !== 'POST') {
      res.statusCode = 405;
      res.setHeader('Allow', 'GET, POST');
      res.end();
      return;
    }

    const form = await readForm(req);
    if (form.has('cancel')) {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The person cancelled the sign-in' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const email = (form.get('email') ?? '').trim();
    const account = email ? accounts.byEmail(email) : undefined;
    if (!account) {
      send(res, 200, loginPage({ title, uid, clientId: clientOfRequest, email, error: 'No account with this email' }));
      return;
    }
    // Every sign-in starts a fresh session here. Otherwise signing in as someone else in the same
    // browser makes oidc-provider detour through its logout confirmation first.
    if (details.session?.uid) {
      await (await provider.Session.findByUid(details.session.uid))?.destroy();
      delete details.session;
      await details.save(Math.max(details.exp - Math.floor(Date.now() / 1000), 1));
    }
    const grantId = await grantAll(details, account.sub);
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: account.sub }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  };
}

/** Claim names asked for with the `claims` request parameter (id_token and userinfo members). */
function requestedClaimNames(claimsParameter: unknown): string[] {
  if (typeof claimsParameter !== 'string' || !claimsParameter) return [];
  try {
    const parsed = JSON.parse(claimsParameter) as Record<string, unknown>;
    const names = new Set<string>();
    for (const member of ['id_token', 'userinfo']) {
      const requested = parsed[member];
      if (requested && typeof requested === 'object') for (const name of Object.keys(requested)) names.add(name);
    }
    return [...names];
  } catch {
    return [];
  }
}
