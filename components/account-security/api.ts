import type { PasswordPolicyView, SessionProvider } from '../../server/flows/protocol.js';
import type { ClientError } from '../lib/api.js';

/** What `GET /api/account` says about the signed-in person. */
export interface AccountOverview {
  user: { id: string; email: string; name: string };
  session: { id: string; amr: string[]; createdAt: number; reauthUntil: number | null; needsSecondFactor: boolean };
  mfa: {
    enabled: boolean;
    required: boolean;
    /** ISO date (YYYY-MM-DD) from which 2FA is required, if one is set. */
    requiredFrom: string | null;
    totp: { id: string; name: string; createdAt: number; lastUsedAt: number | null }[];
    /** `phone` is masked by the server. */
    sms: { id: string; phone: string; createdAt: number; lastUsedAt: number | null } | null;
    passkeys: Passkey[];
    recoveryCode: { createdAt: number } | null;
  };
  features: { passkeys: boolean; sms: boolean };
  policy: PasswordPolicyView;
  /**
   * Single sign-on: the company's identity provider signed this session in.
   * The company manages the password and two-step verification there, so the
   * page does not offer them.
   */
  provider?: SessionProvider;
}

export interface Passkey {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  /** Backed up to the person's password manager or platform account (WebAuthn "backup state"). */
  synced: boolean;
  deviceType: string;
}

/** A session of the person, from `GET /api/account/sessions`. */
export interface AccountSession {
  id: string;
  current: boolean;
  userAgent: string | null;
  ip: string | null;
  createdAt: number;
  lastSeenAt: number;
  amr: string[];
}

/** A remembered device, from `GET /api/devices`. */
export interface RememberedDevice {
  id: string;
  userAgent: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number;
}

/** The answer's JSON (nothing for 204), or the catalogue error with no data. */
export type AccountResult<T> = { data: T } | { error: ClientError; retryAfter?: number };

/**
 * Talks to the account API in the signed-in person's session: with the
 * session token as a bearer token when the host keeps it, else with the
 * `__Host-` session cookie (same-site API).
 */
export class AccountClient {
  constructor(
    private readonly base: string,
    /** The session token it sends as `Authorization: Bearer`; empty: the cookie. */
    readonly token: string,
  ) {}

  get<T>(path: string): Promise<AccountResult<T>> {
    return this.send<T>('GET', path);
  }

  /** A change: `POST`, `PATCH` or `DELETE`; a JSON body (`{}` by default) for all but `DELETE`. */
  async send<T = undefined>(method: string, path: string, body: Record<string, unknown> = {}): Promise<AccountResult<T>> {
    const json = method !== 'GET' && method !== 'DELETE';
    let response: Response;
    try {
      response = await fetch(new URL(path, this.base || document.baseURI), {
        method,
        headers: { ...(json ? { 'Content-Type': 'application/json' } : {}), ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}) },
        ...(json ? { body: JSON.stringify(body) } : {}),
        credentials: 'include',
      });
    } catch {
      return { error: { code: 'network_error' } };
    }
    const answer = (await response.json().catch(() => undefined)) as { error?: ClientError } | undefined;
    if (response.ok) return { data: answer as T };
    const retryAfter = Number(response.headers.get('retry-after')) || undefined;
    return { error: answer?.error ?? { code: response.status >= 500 ? 'internal_error' : 'invalid_request' }, ...(retryAfter ? { retryAfter } : {}) };
  }
}
