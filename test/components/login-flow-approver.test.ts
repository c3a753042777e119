import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../components/index.js';
import type { LoginFlow, LoginFlowStepChangeEvent, LoginFlowSuccessEvent } from '../../components/index.js';
import { approvalMessage, enrolmentMessage, type ApprovalDetails, type ApprovalList, type EnrolmentResult } from '../../server/approver-protocol.js';
import { apiUrl, createUser, fill, untilStep, type TestUser } from './helpers.js';

/**
 * The person's phone with the approver, played by this browser as the
 * approver app does on a phone without a platform authenticator: a WebCrypto
 * ECDSA P-256 key, its public half enrolled with the set-up link's token,
 * signing each decision; calls to the real API's `/api/approver/*`.
 */
class Phone {
  private token = '';
  private keys: CryptoKeyPair | undefined;

  constructor(private readonly api: string) {}

  private async call<T>(path: string, { method = 'GET', body }: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.api}/api/approver${path}`, {
      method,
      headers: { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  private async sign(message: string): Promise<string> {
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, this.keys!.privateKey, new TextEncoder().encode(message));
    return btoa(String.fromCharCode(...new Uint8Array(signature))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  /** Opens the set-up link (as scanning the QR code would) and enrols; returns the 6-digit code the phone then shows. */
  async enrol(url: string): Promise<string> {
    const token = new URL(url).hash.replace('#enrol=', '');
    expect((await this.call('/enrolment', { method: 'POST', body: { token } })).status).to.equal(200);
    this.keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    const publicKey = await crypto.subtle.exportKey('jwk', this.keys.publicKey);
    const key = { type: 'device', publicKey, proof: await this.sign(enrolmentMessage(token)) };
    const enrolled = await this.call<EnrolmentResult>('/devices', { method: 'POST', body: { token, name: 'Test phone', key } });
    expect(enrolled.status).to.equal(201);
    this.token = enrolled.body.deviceToken;
    expect(enrolled.body.confirmation).to.match(/^\d{6}$/);
    return enrolled.body.confirmation;
  }

  /** The sign-in request waiting on the phone (the approver's long poll). */
  async request(): Promise<ApprovalDetails> {
    const { status, body } = await this.call<ApprovalList>('/requests?wait=1');
    expect(status).to.equal(200);
    expect(body.requests.length).to.equal(1);
    return body.requests[0]!;
  }

  /** Picks `number` and approves (or denies), signed with the phone's key. */
  async answer(request: ApprovalDetails, number: string, decision: 'approve' | 'deny' = 'approve'): Promise<void> {
    const proof = { type: 'device', signature: await this.sign(approvalMessage(request.id, number, decision)) };
    expect((await this.call(`/requests/${request.id}`, { method: 'POST', body: { number, decision, proof } })).status).to.equal(200);
  }
}

async function mount(): Promise<LoginFlow> {
  const flow = await fixture<LoginFlow>(html`<login-flow api=${await apiUrl()}></login-flow>`);
  await untilStep(flow, 'email');
  return flow;
}

async function signIn(flow: LoginFlow, user: TestUser): Promise<void> {
  fill(flow.querySelector('input[name=username]')!, user.email);
  flow.querySelector<HTMLButtonElement>('lf-email-step button[type=submit]')!.click();
  await untilStep(flow, 'password');
  fill(flow.querySelector('input[name=password]')!, user.password);
  flow.querySelector<HTMLButtonElement>('lf-password-step button[type=submit]')!.click();
}

function button(flow: LoginFlow, text: string): HTMLButtonElement {
  const found = [...flow.querySelectorAll('button')].find((b) => b.textContent!.trim() === text || b.querySelector('b')?.textContent === text);
  if (!found) throw new Error(`no button "${text}" in ${[...flow.querySelectorAll('button')].map((b) => b.textContent!.trim()).join(', ')}`);
  return found;
}

/** Resolves once `find` finds something in the widget: waits on DOM mutations, not on a clock. */
async function until<T>(flow: LoginFlow, find: () => T | null | undefined): Promise<T> {
  for (;;) {
    const found = find();
    if (found) return found;
    await new Promise<void>((resolve) => {
      const observer = new MutationObserver(() => {
        observer.disconnect();
        resolve();
      });
      observer.observe(flow, { subtree: true, childList: true, characterData: true, attributes: true });
    });
  }
}

/** Signs `user` in up to the approver's set-up (they chose to turn on two-step verification), and enrols a phone from its QR code; returns the widget, the phone and the code the phone shows. */
async function enrolFromQr(user: TestUser): Promise<{ flow: LoginFlow; phone: Phone; confirmation: string }> {
  const flow = await mount();
  await signIn(flow, user);
  await untilStep(flow, 'mfa-prompt');
  button(flow, 'Enable').click();
  await untilStep(flow, 'method-choice');
  button(flow, 'Approve on your phone').click();
  await untilStep(flow, 'approver-setup');
  const qr = flow.querySelector('lf-approver-setup-step svg.lf-qr')!;
  expect(qr.getAttribute('aria-label')).to.equal('QR code to set up approving sign-ins on your phone');
  const link = flow.querySelector<HTMLAnchorElement>('lf-approver-setup-step a')!;
  const phone = new Phone(await apiUrl());
  const confirmation = await phone.enrol(link.href);
  return { flow, phone, confirmation };
}

/** Types `code` into the set-up step's field, which shows once the widget's wait saw the phone enrol, and confirms it. */
async function typeConfirmation(flow: LoginFlow, code: string): Promise<void> {
  const input = await until(flow, () => flow.querySelector<HTMLInputElement>('lf-approver-setup-step input[name=code]'));
  expect(flow.querySelector('lf-approver-setup-step [role=status]')!.textContent!.trim()).to.equal('Your phone shows a 6-digit code. Type it here to finish.');
  // The QR code is spent once a phone enrolled.
  expect(flow.querySelector('lf-approver-setup-step svg.lf-qr')).to.equal(null);
  fill(input, code);
  button(flow, 'Confirm').click();
}

/** A person who chose to turn on two-step verification sets up the approver through the widget, typing the code their phone shows; returns their phone. */
async function setUpApprover(user: TestUser): Promise<Phone> {
  const { flow, phone, confirmation } = await enrolFromQr(user);
  // The widget waited for the phone on its own; it goes on once the person typed the phone's code.
  const next = oneEvent(flow, 'lf-step-change') as Promise<LoginFlowStepChangeEvent>;
  await typeConfirmation(flow, confirmation);
  const { step, previous } = await next;
  expect(previous).to.equal('approver-setup');
  expect(['method-choice', 'recovery-code']).to.include(step);
  return phone;
}

describe('<login-flow> with the approver, against the real API', () => {
  it('sets the approver up from its QR code, then signs in when the phone approves the number on the screen', async () => {
    const user = await createUser({ prompt: true });
    const phone = await setUpApprover(user);

    const flow = await mount();
    await signIn(flow, user);
    await untilStep(flow, 'second-factor');
    expect(flow.querySelector('h2')!.textContent).to.equal('Check your phone');
    // The widget asked for the request itself; the number comes with the answer.
    const number = (await until(flow, () => flow.querySelector('.lf-number')))!.textContent!;
    const request = await phone.request();
    expect(request.numbers).to.include(number);
    expect(request.email).to.equal(user.email);
    const success = oneEvent(flow, 'lf-success') as Promise<LoginFlowSuccessEvent>;
    await phone.answer(request, number);
    const { session } = await success;
    expect(session.user.email).to.equal(user.email);
    expect(session.amr).to.include('mfa');
  });

  it('refuses a code that is not the one the phone shows, at the field, and takes the right one then', async () => {
    const user = await createUser({ prompt: true });
    const { flow, confirmation } = await enrolFromQr(user);
    const wrong = confirmation === '000000' ? '111111' : '000000';
    const errors: string[] = [];
    flow.addEventListener('lf-error', (event) => errors.push(event.code));
    await typeConfirmation(flow, wrong);
    const error = await until(flow, () => flow.querySelector('lf-approver-setup-step .lf-error'));
    expect(error.textContent).to.equal('The code is incorrect. Check the code on your phone and try again.');
    expect(errors).to.deep.equal(['invalid_code']);
    const input = flow.querySelector<HTMLInputElement>('lf-approver-setup-step input[name=code]')!;
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(input.getAttribute('aria-describedby')).to.equal(error.id);
    // The step tells it, not the banner; the set-up goes on.
    expect(flow.querySelector('.lf-banner')).to.equal(null);
    expect(flow.querySelector('lf-approver-setup-step')).to.exist;

    const next = oneEvent(flow, 'lf-step-change') as Promise<LoginFlowStepChangeEvent>;
    fill(input, confirmation);
    button(flow, 'Confirm').click();
    const { step, previous } = await next;
    expect(previous).to.equal('approver-setup');
    expect(['method-choice', 'recovery-code']).to.include(step);
  });

  it('says a sign-in refused on the phone was refused, and sends a new request with a new wait', async () => {
    const user = await createUser({ prompt: true });
    const phone = await setUpApprover(user);

    const flow = await mount();
    await signIn(flow, user);
    await untilStep(flow, 'second-factor');
    const first = (await until(flow, () => flow.querySelector('.lf-number')))!.textContent!;
    await phone.answer(await phone.request(), first, 'deny');
    const refused = await until(flow, () => flow.querySelector('lf-approval-view .lf-error'));
    expect(refused.textContent!.trim()).to.equal('The sign-in was refused on your phone.');
    // The step tells it, not the banner.
    expect(flow.querySelector('.lf-banner')).to.equal(null);

    button(flow, 'Send again').click();
    const again = (await until(flow, () => flow.querySelector('.lf-number')))!.textContent!;
    const success = oneEvent(flow, 'lf-success') as Promise<LoginFlowSuccessEvent>;
    await phone.answer(await phone.request(), again);
    expect((await success).session.user.email).to.equal(user.email);
  });

  it('leaves the phone for another way, which offers the way back', async () => {
    const user = await createUser({ prompt: true });
    await setUpApprover(user);
    const flow = await mount();
    await signIn(flow, user);
    await untilStep(flow, 'second-factor');
    await until(flow, () => flow.querySelector('.lf-number'));
    button(flow, 'Try another way').click();
    await until(flow, () => flow.querySelector('input[name=recovery-code], input[name=code]'));
    expect(flow.querySelector('lf-approval-view')).to.equal(null);
    expect(button(flow, 'Approve on your phone')).to.exist;
  });
});
