import { expect, fixture, html, oneEvent } from '@open-wc/testing';
// The set-up chunk: registers the element and adds the set-up words to the catalogues.
import '../../components/steps/setup-steps.js';
import type { MethodChoiceStep } from '../../components/steps/method-choice/method-choice-step.js';
import type { StepIntentEvent } from '../../components/lib/events.js';
import { translator } from '../../components/lib/i18n.js';
import type { SetupMethod, StepMap } from '../../server/flows/protocol.js';

type Data = StepMap['method-choice']['data'];
type Actions = StepMap['method-choice']['actions'][];

const data: Data = { methods: ['passkey', 'totp', 'sms'], backup: false, reason: 'enable', requiredFrom: null };

interface MountOptions {
  actions?: Actions;
  busy?: boolean;
  lang?: 'en' | 'nl';
}

function mount(overrides: Partial<Data> = {}, { actions = ['choose'], busy = false, lang = 'en' }: MountOptions = {}): Promise<MethodChoiceStep> {
  return fixture<MethodChoiceStep>(
    html`<lf-method-choice-step .data=${{ ...data, ...overrides }} .actions=${actions} .t=${translator(lang)} ?busy=${busy}></lf-method-choice-step>`,
  );
}

/** The method buttons, in the order shown. */
function choices(step: MethodChoiceStep): HTMLButtonElement[] {
  return [...step.querySelectorAll<HTMLButtonElement>('button.lf-choice')];
}

/** Each method button as [name, one-line meaning]. */
function labels(step: MethodChoiceStep): [string, string][] {
  return choices(step).map((b) => [b.querySelector('b')!.textContent!.trim(), b.querySelector('span')!.textContent!.trim()]);
}

function choice(step: MethodChoiceStep, name: string): HTMLButtonElement | undefined {
  return choices(step).find((b) => b.querySelector('b')!.textContent!.trim() === name);
}

function link(step: MethodChoiceStep, text: string): HTMLButtonElement | undefined {
  return [...step.querySelectorAll<HTMLButtonElement>('button.lf-link')].find((b) => b.textContent!.trim() === text);
}

/** The intro lines, in order. */
function intros(step: MethodChoiceStep): string[] {
  return [...step.querySelectorAll('.lf-intro')].map((p) => p.textContent!.trim());
}

/** Runs `body` in a browser without WebAuthn (an old or embedded one): `window.PublicKeyCredential` gone, then restored. */
async function withoutWebAuthn(body: () => Promise<void>): Promise<void> {
  const descriptor = Object.getOwnPropertyDescriptor(window, 'PublicKeyCredential')!;
  expect(descriptor, 'this browser has WebAuthn to take away').to.exist;
  Reflect.deleteProperty(window, 'PublicKeyCredential');
  try {
    expect('PublicKeyCredential' in window).to.equal(false);
    await body();
  } finally {
    Object.defineProperty(window, 'PublicKeyCredential', descriptor);
  }
}

const ENGLISH: Record<SetupMethod, [string, string]> = {
  passkey: ['Face ID, fingerprint or screen lock', 'One tap on this device, with a passkey.'],
  totp: ['Authenticator app', 'Google, Microsoft or Visma Authenticator shows a new code every 30 seconds.'],
  sms: ['Text message (SMS)', 'We text a verification code to your mobile phone.'],
  approver: ['Approve on your phone', 'A notification on your phone: pick the number you see here and confirm with your fingerprint or face.'],
};

describe('<lf-method-choice-step>', () => {
  it('asks how to verify it\'s you, in the light DOM, as a group named by its title', async () => {
    const step = await mount();
    expect(step.shadowRoot).to.equal(null);
    const title = step.querySelector('h2')!;
    expect(title.textContent).to.equal("How do you want to verify it's you?");
    expect(title.hasAttribute('data-autofocus')).to.equal(true);
    const group = step.querySelector('[role=group]')!;
    expect(group.getAttribute('aria-labelledby')).to.equal(title.id);
    expect(group.getAttribute('aria-busy')).to.equal('false');
    expect(intros(step)).to.deep.equal(["Each time you sign in, you confirm it's you after your password. Choose how."]);
  });

  it('shows one button per method the server offers, each with its name and what it means, in the server\'s order', async () => {
    const step = await mount();
    expect(labels(step)).to.deep.equal([ENGLISH.passkey, ENGLISH.totp, ENGLISH.sms]);
    expect(choices(step).every((b) => b.type === 'button')).to.equal(true);
    expect(choices(step).every((b) => b.getAttribute('aria-disabled') === 'false')).to.equal(true);
  });

  it('shows only the methods the server offers', async () => {
    const step = await mount({ methods: ['sms', 'totp'] });
    expect(labels(step)).to.deep.equal([ENGLISH.sms, ENGLISH.totp]);
  });

  it("offers the approver where the server does, in the server's order", async () => {
    const step = await mount({ methods: ['passkey', 'approver', 'totp', 'sms'] });
    expect(labels(step)).to.deep.equal([ENGLISH.passkey, ENGLISH.approver, ENGLISH.totp, ENGLISH.sms]);
    const last = await mount({ methods: ['totp', 'approver'] });
    expect(labels(last)).to.deep.equal([ENGLISH.totp, ENGLISH.approver]);
  });

  it('names the approver in Dutch', async () => {
    const step = await mount({ methods: ['approver'] }, { lang: 'nl' });
    expect(labels(step)).to.deep.equal([
      ['Goedkeuren op je telefoon', 'Een melding op je telefoon: kies het getal dat je hier ziet en bevestig met je vingerafdruk of gezichtsherkenning.'],
    ]);
  });

  for (const method of ['passkey', 'totp', 'sms', 'approver'] as const) {
    it(`chooses ${method} with { method: '${method}' }`, async () => {
      const step = await mount({ methods: ['passkey', 'approver', 'totp', 'sms'] });
      const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
      choice(step, ENGLISH[method][0])!.click();
      const intent = await fired;
      expect(intent.action).to.equal('choose');
      expect(intent.body).to.deep.equal({ method });
      // Choosing is not the ceremony: passkey-setup runs that, after a name.
      expect(intent.passkey).to.equal(false);
    });
  }

  it('hides the passkey where the browser cannot make one (no PublicKeyCredential)', async () => {
    await withoutWebAuthn(async () => {
      const step = await mount();
      expect(labels(step)).to.deep.equal([ENGLISH.totp, ENGLISH.sms]);
      expect(step.textContent).not.to.contain('passkey');
    });
    // Back with WebAuthn, the passkey is offered again.
    const step = await mount();
    expect(labels(step)[0]).to.deep.equal(ENGLISH.passkey);
  });

  it('offers neither "remind me later" nor "skip" unless the server accepts them', async () => {
    const step = await mount();
    expect(step.querySelectorAll('button.lf-link').length).to.equal(0);
    expect(step.textContent).not.to.contain('Remind me later');
    expect(step.textContent).not.to.contain('Skip for now');
  });

  it('offers "remind me later" when the server accepts remind-later, and sends it', async () => {
    const step = await mount({}, { actions: ['choose', 'remind-later'] });
    expect(link(step, 'Skip for now')).to.equal(undefined);
    const later = link(step, 'Remind me later')!;
    expect(later.type).to.equal('button');
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    later.click();
    const intent = await fired;
    expect(intent.action).to.equal('remind-later');
    expect(intent.body).to.deep.equal({});
  });

  it('offers "skip for now" when the server accepts skip, and sends it', async () => {
    const step = await mount({ backup: true }, { actions: ['choose', 'skip'] });
    expect(link(step, 'Remind me later')).to.equal(undefined);
    const skip = link(step, 'Skip for now')!;
    expect(skip.type).to.equal('button');
    const fired = oneEvent(step, 'lf-intent') as Promise<StepIntentEvent>;
    skip.click();
    const intent = await fired;
    expect(intent.action).to.equal('skip');
    expect(intent.body).to.deep.equal({});
  });

  it('puts the links after the methods', async () => {
    const step = await mount({}, { actions: ['choose', 'remind-later', 'skip'] });
    const buttons = [...step.querySelectorAll('button')].map((b) => b.querySelector('b')?.textContent ?? b.textContent!.trim());
    expect(buttons).to.deep.equal([ENGLISH.passkey[0], ENGLISH.totp[0], ENGLISH.sms[0], 'Remind me later', 'Skip for now']);
  });

  it('asks for a backup method once the person has one, with the tip', async () => {
    const step = await mount({ backup: true, methods: ['totp', 'sms'] }, { actions: ['choose', 'skip'] });
    expect(step.querySelector('h2')!.textContent).to.equal('Add a backup method');
    expect(intros(step)).to.deep.equal(['Tip: set up a second method now, so you can still sign in if you lose your phone.']);
    expect(labels(step)).to.deep.equal([ENGLISH.totp, ENGLISH.sms]);
  });

  it('gives no reason and no date for a backup method', async () => {
    const step = await mount({ backup: true, reason: 'required', requiredFrom: '2026-07-01' });
    expect(intros(step)).to.deep.equal(['Tip: set up a second method now, so you can still sign in if you lose your phone.']);
  });

  it('explains that two-step verification is required for the account', async () => {
    const step = await mount({ reason: 'required' });
    expect(intros(step)).to.deep.equal([
      'Two-step verification is required for this account.',
      "Each time you sign in, you confirm it's you after your password. Choose how.",
    ]);
  });

  it('explains that the recovery code is spent and two-step verification must be set up again', async () => {
    const step = await mount({ reason: 'recovered' });
    expect(intros(step)).to.deep.equal([
      'Set up two-step verification again. You get a new recovery code at the end: the old one no longer works.',
      "Each time you sign in, you confirm it's you after your password. Choose how.",
    ]);
  });

  it('gives no reason when the person chose to enable it', async () => {
    const step = await mount({ reason: 'enable' });
    expect(intros(step)).to.deep.equal(["Each time you sign in, you confirm it's you after your password. Choose how."]);
  });

  it('says from which date two-step verification is required, in words, keeping the server\'s calendar day', async () => {
    const step = await mount({ requiredFrom: '2027-01-01' }, { actions: ['choose', 'remind-later'] });
    expect(intros(step)).to.deep.equal([
      "Each time you sign in, you confirm it's you after your password. Choose how.",
      'From January 1, 2027, two-step verification is required.',
    ]);
  });

  it('leaves the date out once set-up is required already', async () => {
    const step = await mount({ reason: 'required', requiredFrom: '2026-07-01' });
    expect(step.textContent).not.to.contain('July 1, 2026');
  });

  it('announces the server\'s error', async () => {
    const step = await mount();
    step.error = { code: 'action_not_allowed' };
    await step.updateComplete;
    expect(step.querySelector('[role=alert]')!.textContent).to.equal('That is not possible at this step.');
  });

  it('ignores every choice and link while busy, and marks the methods disabled', async () => {
    const step = await mount({}, { busy: true, actions: ['choose', 'remind-later', 'skip'] });
    let intents = 0;
    step.addEventListener('lf-intent', () => (intents += 1));
    for (const b of choices(step)) {
      expect(b.getAttribute('aria-disabled')).to.equal('true');
      b.click();
    }
    link(step, 'Remind me later')!.click();
    link(step, 'Skip for now')!.click();
    await step.updateComplete;
    expect(intents).to.equal(0);
    expect(step.querySelector('[role=group]')!.getAttribute('aria-busy')).to.equal('true');
  });

  it('speaks Dutch when given the Dutch catalogue', async () => {
    const step = await mount({ requiredFrom: '2026-07-01' }, { lang: 'nl', actions: ['choose', 'remind-later', 'skip'] });
    expect(step.querySelector('h2')!.textContent).to.equal('Hoe wil je bevestigen dat jij het bent?');
    expect(intros(step)).to.deep.equal([
      'Bij het inloggen bevestig je na je wachtwoord dat jij het bent. Kies hoe.',
      'Vanaf 1 juli 2026 is tweestapsverificatie verplicht.',
    ]);
    expect(labels(step)).to.deep.equal([
      ['Face ID, vingerafdruk of schermvergrendeling', 'Eén tik op dit apparaat, met een passkey.'],
      ['Authenticator-app', 'Google, Microsoft of Visma Authenticator toont elke 30 seconden een nieuwe code.'],
      ['Sms', 'We sturen een verificatiecode per sms naar je mobiele telefoon.'],
    ]);
    expect(link(step, 'Herinner me later')).to.exist;
    expect(link(step, 'Nu overslaan')).to.exist;
  });

  it('gives its reasons in Dutch', async () => {
    const required = await mount({ reason: 'required' }, { lang: 'nl' });
    expect(intros(required)[0]).to.equal('Tweestapsverificatie is verplicht voor dit account.');
    const recovered = await mount({ reason: 'recovered' }, { lang: 'nl' });
    expect(intros(recovered)[0]).to.equal('Stel tweestapsverificatie opnieuw in. Aan het eind krijg je een nieuwe herstelcode: de oude werkt niet meer.');
  });

  it('asks for a backup method in Dutch', async () => {
    const step = await mount({ backup: true }, { lang: 'nl', actions: ['choose', 'skip'] });
    expect(step.querySelector('h2')!.textContent).to.equal('Voeg een reservemethode toe');
    expect(intros(step)).to.deep.equal(['Tip: stel nu een tweede methode in. Dan kun je ook inloggen als je je telefoon kwijt bent.']);
    expect(link(step, 'Nu overslaan')).to.exist;
  });
});
