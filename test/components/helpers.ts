import { executeServerCommand } from '@web/test-runner-commands';
import { oneEvent } from '@open-wc/testing';
import type { LoginFlow } from '../../components/index.js';

export interface TestUser {
  email: string;
  password: string;
}

/** The real API's origin (another origin than the test page). */
export function apiUrl(): Promise<string> {
  return executeServerCommand<string, undefined>('api-url');
}

/** A fresh active user in the real store, one per test. */
export function createUser(): Promise<TestUser> {
  return executeServerCommand<TestUser, undefined>('create-user');
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
