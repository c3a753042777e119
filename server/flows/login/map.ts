/*
 * The sign-in flow map: which step may lead to which. Every action's
 * transition is checked against it (outside production a move it does not
 * list is an error; in production it is logged), so the map stays true.
 * A step may always show itself again (a refusal, a new code).
 */
import type { FlowMap } from '../engine.js';

/** How a flow ends: a session, a choice of company first, or, in a reset, the new password first. */
const FINISH = ['done', 'choose-account', 'set-password'] as const;
/** After the first factor: confirm the address, the second factor, the 2FA prompt or required set-up. */
const AFTER_FIRST_FACTOR = ['verify-email', 'second-factor', 'mfa-prompt', 'method-choice', ...FINISH] as const;
/** After a factor is added (or `back`): the choice of a backup method (or again of the method), the new recovery code. */
const AFTER_SETUP = ['method-choice', 'recovery-code', ...FINISH] as const;

export const LOGIN_MAP = {
  email: ['password', 'sso', ...AFTER_FIRST_FACTOR],
  password: ['email', 'reset-sent', 'sso', ...AFTER_FIRST_FACTOR],
  sso: ['email', ...FINISH],
  'reset-sent': ['password'],
  'choose-account': ['done'],
  'second-factor': ['method-choice', 'recovery-requested', ...FINISH],
  'recovery-request': ['recovery-requested'],
  'mfa-prompt': ['method-choice', ...FINISH],
  'method-choice': ['totp-setup', 'passkey-setup', 'sms-setup', 'approver-setup', ...AFTER_SETUP],
  'totp-setup': AFTER_SETUP,
  'passkey-setup': AFTER_SETUP,
  'set-password': AFTER_FIRST_FACTOR,
  'verify-email': AFTER_FIRST_FACTOR,
  'sms-setup': AFTER_SETUP,
  'approver-setup': AFTER_SETUP,
  'recovery-code': FINISH,
} as const satisfies FlowMap;
