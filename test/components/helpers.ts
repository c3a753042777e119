import { executeServerCommand } from '@web/test-runner-commands';
import { oneEvent } from '@open-wc/testing';
import type { LoginFlow } from '../../components/index.js';

export interface TestUser {
  email: string;
  password: string;
  /** The authenticator secret (base32), for users created with `{ totp: true }`. */
  secret?: string;
}

/** The real API's origin (another origin than the test page). */
export function apiUrl(): Promise<string> {
  return executeServerCommand<string, undefined>('api-url');
}

/** A fresh active user in the real store, one per test; `{ totp: true }` gives them an authenticator app. */
export function createUser(options: { totp?: boolean } = {}): Promise<TestUser> {
  return executeServerCommand<TestUser, { totp?: boolean }>('create-user', options);
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
