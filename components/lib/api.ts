import type { ErrorBody, FlowKind, FlowState } from '../../server/flows/protocol.js';
import type { ClientErrorCode } from './events.js';

export type ClientError = Omit<ErrorBody, 'code'> & { code: ErrorBody['code'] | ClientErrorCode };

/** Either the flow to show (possibly with an error on it), or an error with no flow to show. */
export type FlowResult = { flow: FlowState; retryAfter?: number } | { error: ClientError; retryAfter?: number };

/**
 * Talks to the flow API. The flow id travels in the `X-Flow-Id` header: not in
 * a cookie, so the flow works when the API is on another site and third-party
 * cookies are blocked; not in the URL, so the secret stays out of logs.
 */
export class FlowClient {
  /**
   * `language`: the language the person picked, sent as `Content-Language` (a
   * CORS-safelisted header: no preflight of its own) so the server keeps it
   * on their record for the mails it sends them.
   */
  constructor(
    private readonly base: string,
    public language = '',
  ) {}

  /** Starts a flow; `activate` and `reset` send `{ token }`, the token of the link that opened them. */
  start(kind: FlowKind, body: Record<string, unknown> = {}): Promise<FlowResult> {
    return this.post(`/api/flows/${encodeURIComponent(kind)}`, body);
  }

  act(id: string, action: string, body: Record<string, unknown>): Promise<FlowResult> {
    return this.post(`/api/flows/-/${encodeURIComponent(action)}`, body, id);
  }

  private async post(path: string, body: Record<string, unknown>, flowId?: string): Promise<FlowResult> {
    let response: Response;
    const url = new URL(path, this.base || document.baseURI);
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(flowId ? { 'X-Flow-Id': flowId } : {}), ...(this.language ? { 'Content-Language': this.language } : {}) },
        body: JSON.stringify(body),
        // Lets a same-site API set its HttpOnly session cookie.
        credentials: 'include',
      });
    } catch {
      return { error: { code: await refusedOrUnreachable(url) } };
    }
    const retryAfter = Number(response.headers.get('retry-after')) || undefined;
    const json = (await response.json().catch(() => undefined)) as Partial<FlowState> & { error?: ClientError } | undefined;
    if (json && typeof json.step === 'string') return { flow: json as FlowState, ...(retryAfter ? { retryAfter } : {}) };
    return { error: json?.error ?? { code: response.status >= 500 ? 'internal_error' : 'invalid_request' }, ...(retryAfter ? { retryAfter } : {}) };
  }
}

/**
 * Why a request to another origin got no answer the page may read: the API
 * answers a plain `no-cors` request for its health route (an opaque answer
 * still proves it is up), so what it refused was this page's origin
 * (`ALLOWED_ORIGINS`); if that fails too, the network or the server is down.
 */
async function refusedOrUnreachable(url: URL): Promise<'origin_not_allowed' | 'network_error'> {
  if (url.origin === location.origin) return 'network_error';
  try {
    await fetch(new URL('/api/health', url), { mode: 'no-cors' });
    return 'origin_not_allowed';
  } catch {
    return 'network_error';
  }
}
