/* `second-factor`: the approver on the phone, an authenticator code, a passkey, a texted code or a recovery code. */
import type { AppContext } from '../../../context.js';
import { audit } from '../../../audit.js';
import { approvalStatus, endApproval, requestApproval, useApproval } from '../../../factors/approver.js';
import { notifyUser } from '../../../delivery/mail.js';
import { ApiError } from '../../../errors.js';
import { spendFactorAttempt } from '../../../factors/attempts.js';
import { verifyPasskeyAssertion } from '../../../factors/passkey.js';
import { useRecoveryCode } from '../../../factors/recovery.js';
import { checkTextedCode, confirmedPhone, smsUsed, textCode } from '../../../factors/sms.js';
import { normalizeCode } from '../../../factors/totp.js';
import { verifyUserTotp } from '../../../factors/totp-enrolment.js';
import { admitRecoveryRequest, fileRecoveryRequest, recoveryNote } from '../../../recovery/requests.js';
import { forgetDevices } from '../../../security/devices.js';
import { liveChallenge, offerPasskey, passkeyRefusal } from '../ceremony.js';
import { finish } from '../finish.js';
import { assertionInput, codeInput, nothing, rememberInput } from '../inputs.js';
import { chooseMethod, codeRefusal, firstFactorOf, recordFailure } from '../next.js';
import { action, type Context, type LoginStates, type LoginStepDefinition } from '../state.js';

/** Passed another way: a request still out to the phones ends, so none shows a number no screen shows. */
async function endAsked({ app, state, now }: Context<LoginStates['second-factor']>): Promise<void> {
  if (state.approval) await endApproval(app.db, { id: state.approval.requestId, userId: state.userId, now });
}

/**
 * Whether "lost access to your phone?" is offered: where the recovery
 * requests are on, and the password was typed at this sign-in. A reset link
 * proves the mailbox only, so a password reset offers no request.
 */
function offersRecoveryRequest(state: LoginStates['second-factor'], app: AppContext): boolean {
  return state.recoveryEmployeeNumber !== undefined && app.config.recoveryRequests && state.purpose !== 'reset';
}

export const secondFactor: LoginStepDefinition<'second-factor'> = {
  view: (state, app) => ({
    methods: state.methods,
    rememberDays: app.config.rememberDeviceDays > 0 && !state.sessionId ? app.config.rememberDeviceDays : null,
    ...(state.methods.includes('passkey') && state.passkeyRequest ? { passkey: { options: state.passkeyRequest } } : {}),
    ...(state.maskedPhone ? { phone: state.maskedPhone, smsSent: state.smsCode !== undefined } : {}),
    ...(state.approval ? { approval: { number: state.approval.number, expiresAt: state.approval.expiresAt } } : {}),
    ...(offersRecoveryRequest(state, app) ? { recoveryRequest: { employeeNumber: state.recoveryEmployeeNumber! } } : {}),
  }),
  ready: (app, state, now) => (state.approval ? approvalStatus(app.db, { id: state.approval.requestId, userId: state.userId, now }).then((status) => status !== 'pending') : undefined),
  unavailable: (state, app) => [
    ...(state.methods.includes('totp') ? [] : ['totp' as const]),
    ...(state.methods.includes('recovery_code') ? [] : ['recovery-code' as const]),
    ...(state.methods.includes('passkey') ? [] : ['passkey' as const]),
    ...(state.methods.includes('sms') ? [] : (['send-sms', 'sms'] as const)),
    ...(state.smsCode ? [] : ['sms' as const]),
    ...(state.methods.includes('approver') ? [] : ['send-approval' as const]),
    ...(state.approval ? [] : ['approval' as const]),
    ...(offersRecoveryRequest(state, app) ? [] : ['request-recovery' as const]),
  ],
  actions: {
    'send-sms': action({
      input: nothing,
      async run({ app, state, now }) {
        const phone = await confirmedPhone(app.db, app.secretKey, state.userId);
        if (!phone) throw new ApiError('action_not_allowed');
        return { step: 'second-factor', state: { ...state, smsCode: await textCode(app, { userId: state.userId, phone: phone.phone, now }) } };
      },
    }),
    // Atomic: the request, the push cap it spends and the flow's move commit together; the pushes follow the commit.
    'send-approval': action({
      atomic: true,
      input: nothing,
      async run({ app, state, now, request }) {
        const purpose = state.purpose === 'reset' ? 'password-reset' : 'sign-in';
        const sent = await requestApproval(app, { userId: state.userId, replaces: state.approval?.requestId, purpose, ip: request.ip || null, userAgent: request.userAgent, now });
        return { step: 'second-factor', state: { ...state, approval: { requestId: sent.id, number: sent.number, expiresAt: sent.expiresAt } } };
      },
    }),
    approval: action({
      atomic: true,
      input: rememberInput,
      async run(context, { remember }) {
        const { app, state, now } = context;
        const pending = state.approval!;
        const status = await approvalStatus(app.db, { id: pending.requestId, userId: state.userId, now });
        if (status === 'pending') return { step: 'second-factor', state, error: { code: 'approval_pending' } };
        const { approval: _answered, ...rest } = state;
        if (status === 'expired' || status === 'used') return { step: 'second-factor', state: rest, error: { code: 'approval_expired' } };
        // The phone's refusal was counted against the account when it was made; the request leaves the flow, so it is said once.
        if (status === 'denied') return { step: 'second-factor', state: rest, error: { code: 'approval_denied' } };
        const key = await useApproval(app.db, { id: pending.requestId, userId: state.userId });
        if (!key) return { step: 'second-factor', state: rest, error: { code: 'approval_expired' } };
        // RFC 8176 §2: a key held by the phone's authenticator (`hwk`) or its browser (`swk`).
        return finish({ ...context, state: { ...rest, remember: remember === true } }, [firstFactorOf(state), key === 'passkey' ? 'hwk' : 'swk', 'mfa']);
      },
    }),
    sms: action({
      atomic: true,
      input: codeInput,
      async run(context, { code, remember }) {
        const { app, state, now } = context;
        const spent = await spendFactorAttempt(app, state.userId, now);
        const result = checkTextedCode(app, state.smsCode, { userId: state.userId, input: code, now });
        if (result !== 'valid') {
          await recordFailure(context, 'sms');
          return { step: 'second-factor', state, failed: true, error: codeRefusal(result) };
        }
        spent.succeeded();
        await smsUsed(app.db, state.userId, now);
        await endAsked(context);
        const { smsCode: _used, ...rest } = state;
        // RFC 8176 §2: `sms`, confirmation by text message.
        return finish({ ...context, state: { ...rest, remember: remember === true } }, [firstFactorOf(state), 'sms', 'mfa']);
      },
    }),
    passkey: action({
      atomic: true,
      input: assertionInput,
      async run(context, { response, remember }) {
        const { app, state, now } = context;
        try {
          const expectedChallenge = liveChallenge(state, state.passkeyRequest?.challenge, now);
          await verifyPasskeyAssertion(app.db, app.config, { response, expectedChallenge, userId: state.userId, now });
        } catch (error) {
          return { step: 'second-factor', state: await offerPasskey(app, state, state.userId), error: passkeyRefusal(app, error) };
        }
        await endAsked(context);
        const { passkeyRequest: _spent, ...rest } = state;
        return finish({ ...context, state: { ...rest, remember: remember === true } }, ['pwd', 'hwk', 'mfa']);
      },
    }),
    totp: action({
      atomic: true,
      input: codeInput,
      async run(context, { code, remember }) {
        const { app, state, now } = context;
        const spent = await spendFactorAttempt(app, state.userId, now);
        if (!(await verifyUserTotp(app, state.userId, normalizeCode(code), now))) {
          await recordFailure(context, 'totp');
          return { step: 'second-factor', state, failed: true, error: { code: 'invalid_code', field: 'code' } };
        }
        spent.succeeded();
        await endAsked(context);
        // The first factor as it was: a password, or a passkey that did not verify the person.
        return finish({ ...context, state: { ...state, remember: remember === true } }, [firstFactorOf(state), 'otp', 'mfa']);
      },
    }),
    // "Lost access to your phone?": the password is proved; the request goes to the person's administrators (or support).
    'request-recovery': action({
      input: recoveryNote,
      async run(context, { note, employeeNumber }) {
        const { app, state, request, now } = context;
        // Over the client's limit: `rate_limited`. Over the account's: the same answer, nothing filed.
        if (await admitRecoveryRequest(app, { email: state.email, ip: request.ip, source: 'second-factor', now })) {
          await fileRecoveryRequest(app, { email: state.email, note, employeeNumber, source: 'second-factor', ip: request.ip, userAgent: request.userAgent, now });
        }
        await endAsked(context);
        return { step: 'recovery-requested', state: { email: state.email, ...(state.locale ? { locale: state.locale } : {}) } };
      },
    }),
    'recovery-code': action({
      atomic: true,
      input: codeInput,
      async run(context, { code, remember }) {
        const { app, state, now } = context;
        const userId = state.userId;
        const spent = await spendFactorAttempt(app, userId, now);
        const kind = await useRecoveryCode(app.db, { userId, code, now });
        if (!kind) {
          await recordFailure(context, 'recovery_code');
          return { step: 'second-factor', state, failed: true, error: { code: 'invalid_recovery_code', field: 'code' } };
        }
        spent.succeeded();
        await endAsked(context);
        // The code stands in for a lost phone: remembered devices go now, the
        // old authenticators when set-up completes (never before, so an
        // abandoned set-up cannot leave the account without a second factor).
        await forgetDevices(app.db, userId, now);
        await notifyUser(app, userId, { kind: 'recovery-code-used' });
        await audit(app, { event: 'recovery.used', userId, ip: context.request.ip, detail: { kind } });
        const { methods: _methods, maskedPhone: _phone, smsCode: _texted, approval: _asked, ...rest } = state;
        return chooseMethod({ ...context, state: { ...rest, remember: remember === true, recovered: true } }, { reason: 'recovered' });
      },
    }),
  },
};
