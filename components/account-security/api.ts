import type {
  AccountOverview,
  AccountSessions,
  AccountSwitch,
  NewRecoveryCode,
  PasswordChange,
  Passkeys,
  RememberedDevices,
  SessionAccounts,
  SignedOut,
} from '../../server/routes/types.js';
import type { ClientError } from '../lib/api.js';

export type { AccountOverview, AccountSession, Approver, Passkey, RememberedDevice } from '../../server/routes/types.js';

/** The answer's JSON (nothing for 204), or the catalogue error with no data. */
export type AccountResult<T> = { data: T } | { error: ClientError; retryAfter?: number };

/** A path segment: an id as the server gave it, never read as a path of its own. */
const segment = encodeURIComponent;

/**
 * Talks to the account API in the signed-in person's session: with the
 * session token as a bearer token when the host keeps it, else with the
 * `__Host-` session cookie (same-site API). One method per route the account
 * page and `<company-switch>` use; the request and answer types are the
 * server's own (`server/routes/types.ts`).
 */
export class AccountClient {
  constructor(
    private readonly base: string,
    /** The session token it sends as `Authorization: Bearer`; empty: the cookie. */
    readonly token: string,
  ) {}

  /** `GET /api/account`: the person, the session, the sign-in methods. */
  overview(): Promise<AccountResult<AccountOverview>> {
    return this.send('GET', '/api/account');
  }

  /** `POST /api/account/password`: needs the current password, and a recent sign-in. */
  changePassword(body: PasswordChange): Promise<AccountResult<SignedOut>> {
    return this.send('POST', '/api/account/password', body);
  }

  /** `DELETE /api/account/factors/{id}`: an authenticator app, the SMS number or a phone that approves sign-ins (passkeys: `removePasskey`). */
  removeFactor(factor: string): Promise<AccountResult<undefined>> {
    return this.send('DELETE', `/api/account/factors/${segment(factor)}`);
  }

  /** `POST /api/account/recovery-code`: a new code; the previous one stops working. */
  newRecoveryCode(): Promise<AccountResult<NewRecoveryCode>> {
    return this.send('POST', '/api/account/recovery-code');
  }

  /** `POST /api/account/mfa/disable`: every second factor and the recovery code go. */
  disableMfa(): Promise<AccountResult<undefined>> {
    return this.send('POST', '/api/account/mfa/disable');
  }

  /** `GET /api/account/sessions`: where the person is signed in. */
  sessions(): Promise<AccountResult<AccountSessions>> {
    return this.send('GET', '/api/account/sessions');
  }

  /** `POST /api/account/sessions/sign-out-others`: every session but this one ends. */
  signOutOthers(): Promise<AccountResult<SignedOut>> {
    return this.send('POST', '/api/account/sessions/sign-out-others');
  }

  /** `DELETE /api/account/sessions/{id}`: one session ends. */
  signOut(session: string): Promise<AccountResult<undefined>> {
    return this.send('DELETE', `/api/account/sessions/${segment(session)}`);
  }

  /** `PATCH /api/passkeys/{id}`: the passkeys, the renamed one with its new name. */
  renamePasskey(passkey: string, name: string): Promise<AccountResult<Passkeys>> {
    return this.send('PATCH', `/api/passkeys/${segment(passkey)}`, { name });
  }

  /** `DELETE /api/passkeys/{id}`. */
  removePasskey(passkey: string): Promise<AccountResult<undefined>> {
    return this.send('DELETE', `/api/passkeys/${segment(passkey)}`);
  }

  /** `GET /api/devices`: the browsers that skip the second factor. */
  devices(): Promise<AccountResult<RememberedDevices>> {
    return this.send('GET', '/api/devices');
  }

  /** `DELETE /api/devices/{id}`: one remembered device asks for the second factor again. */
  forgetDevice(device: string): Promise<AccountResult<undefined>> {
    return this.send('DELETE', `/api/devices/${segment(device)}`);
  }

  /** `DELETE /api/devices`: every remembered device asks for the second factor again. */
  forgetDevices(): Promise<AccountResult<undefined>> {
    return this.send('DELETE', '/api/devices');
  }

  /** `GET /api/session/accounts`: the company accounts the session may work in, the current one marked. */
  accounts(): Promise<AccountResult<SessionAccounts>> {
    return this.send('GET', '/api/session/accounts');
  }

  /** `POST /api/session/account`: the session works in another of its accounts from now on. */
  switchAccount(account: string): Promise<AccountResult<AccountSwitch>> {
    return this.send('POST', '/api/session/account', { account });
  }

  /** One request: a JSON body (`{}` by default) for all but `GET` and `DELETE`. */
  private async send<T>(method: string, path: string, body: object = {}): Promise<AccountResult<T>> {
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
