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
  constructor(private readonly base: string) {}

  /** Starts a flow; `activate` and `reset` send `{ token }`, the token of the link that opened them. */
  start(kind: FlowKind, body: Record<string, unknown> = {}): Promise<FlowResult> {
    return this.post(`/api/flows/${encodeURIComponent(kind)}`, body);
  }

  act(id: string, action: string, body: Record<string, unknown>): Promise<FlowResult> {
    return this.post(`/api/flows/-/${encodeURIComponent(action)}`, body, id);
  }

  private async post(path: string, body: Record<string, unknown>, flowId?: string): Promise<FlowResult> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.base || document.baseURI), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(flowId ? { 'X-Flow-Id': flowId } : {}) },
        body: JSON.stringify(body),
        // Lets a same-site API set its HttpOnly session cookie.
        credentials: 'include',
      });
    } catch {
      return { error: { code: 'network_error' } };
    }
    const retryAfter = Number(response.headers.get('retry-after')) || undefined;
    const json = (await response.json().catch(() => undefined)) as Partial<FlowState> & { error?: ClientError } | undefined;
    if (json && typeof json.step === 'string') return { flow: json as FlowState, ...(retryAfter ? { retryAfter } : {}) };
    return { error: json?.error ?? { code: response.status >= 500 ? 'internal_error' : 'invalid_request' }, ...(retryAfter ? { retryAfter } : {}) };
  }
}
