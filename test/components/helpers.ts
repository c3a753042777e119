import { executeServerCommand } from '@web/test-runner-commands';
import { oneEvent } from '@open-wc/testing';
import type { LoginFlow } from '../../components/index.js';
import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from '../../server/flows/protocol.js';

export interface TestUser {
  email: string;
  password: string;
  /** The authenticator secret (base32), for users created with `{ totp: true }`. */
  secret?: string;
  /** Real creation options for this user, for users created with `{ passkey: true }`. */
  passkeyOptions?: PublicKeyCredentialCreationOptionsJSON;
}

/** The real API's origin (another origin than the test page). */
export function apiUrl(): Promise<string> {
  return executeServerCommand<string, undefined>('api-url');
}

interface UserOptions {
  /** An authenticator app already set up. */
  totp?: boolean;
  /** Meets the 2FA prompt after the password (others have chosen "remind me later"). */
  prompt?: boolean;
  /** Comes with real passkey creation options; see `registerPasskey`. */
  passkey?: boolean;
}

/** A fresh active user in the real store, one per test. */
export function createUser(options: UserOptions = {}): Promise<TestUser> {
  return executeServerCommand<TestUser, UserOptions>('create-user', options);
}

/** Registers a passkey made by the browser's virtual authenticator for `email` with the real server. */
export function registerPasskey(email: string, response: RegistrationResponseJSON): Promise<string> {
  return executeServerCommand<string, { email: string; response: RegistrationResponseJSON }>('register-passkey', { email, response });
}

/** The current code of an authenticator secret, computed by the test server (otpauth). */
export function totpCode(secret: string): Promise<string> {
  return executeServerCommand<string, { secret: string }>('totp-code', { secret });
}

/** Resolves once the widget shows the named step. */
export async function untilStep(flow: LoginFlow, step: string): Promise<void> {
  while (flow.querySelector(`lf-${step}-step`) === null) await oneEvent(flow, 'lf-step-change');
  await flow.updateComplete;
  await (flow.querySelector(`lf-${step}-step`) as unknown as { updateComplete: Promise<unknown> }).updateComplete;
}

/** Fills an input the way typing would, so the element sees input events. */
export function fill(input: HTMLInputElement, value: string): void {
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}
