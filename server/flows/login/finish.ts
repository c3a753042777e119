/*
 * The end of a flow: a new session for a sign-in, or, for the account
 * page's flows, the session they ran in (renewed by a re-authentication).
 */
import { audit } from '../../audit.js';
import { accountById, enterableAccounts } from '../../companies/accounts.js';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors.js';
import { rememberDevice } from '../../security/devices.js';
import { createSession, liveSessionById, newSessionId, renewSession, revokeSessionByToken, type LiveSession } from '../../security/sessions.js';
import type { CompanyAccount } from '../protocol.js';
import type { Amr, Context, Move, Person } from './state.js';
import { markAccountUsed } from '../../companies/members.js';
import { hasPasskey } from '../../factors/passkey.js';
import { prepare } from '../../store/prepared.js';
import { updateProfile } from '../../store/users.js';

const personById = prepare<{ userId: string }, { id: string; email: string; name: string; status: string; locale: string | null }>((db, p) =>
  db.selectFrom('users').select(['id', 'email', 'name', 'status', 'locale']).where('id', '=', p.userId),
);

/** Completes the flow: the session (and a remembered-device token) are issued as the flow is consumed. */
export async function finish({ app, state, request, now }: Context<Person>, amr: Amr): Promise<Move> {
  // A reset signs in only once the new password is set, after the second factor.
  // The flow gets its owner now (it was opened from a link, without one), so disabling the user ends it.
  if (state.purpose === 'reset' && !state.passwordSet) {
    if (!state.linkTokenHash) throw new Error('a reset flow without its link');
    return { step: 'set-password', state: { ...state, amr, linkTokenHash: state.linkTokenHash }, userId: state.userId };
  }
  if (state.sessionId) return resumeSession({ app, state, request, now }, state.sessionId, amr);
  const user = (await personById(app.db, { userId: state.userId })).rows[0];
  // Disabled or deleted while the flow was open: no session.
  if (!user || user.status !== 'active') throw new ApiError('account_disabled');
  let account: CompanyAccount | undefined;
  if (state.membershipId === undefined) {
    // Several company accounts on one email: the person chooses, last used first.
    const accounts = await enterableAccounts(app, user.id, { sso: state.provider?.organizationId ?? null, now });
    if (accounts.length > 1) return { step: 'choose-account', state: { ...state, amr, accounts } };
    account = accounts[0];
  } else {
    account = state.accounts?.find((a) => a.id === state.membershipId);
  }
  const days = app.config.rememberDeviceDays;
  const provider = state.provider;
  // Signed before the transaction, which then only writes: the transaction holds
  // the store's connection as briefly as it can. A flow conflict just discards
  // the token (its session never exists).
  const sessionId = newSessionId();
  // The language the person chose in the widget is remembered for the mail that follows
  // (a reset link, a notice), written with the flow's move, and only when it changed.
  const locale = request.locale;
  if (locale && locale !== user.locale) app.transition?.write((db) => updateProfile(db, user.id, { locale }, now));
  // One tap next time: a password sign-in by a person with no passkey yet, where passkeys are on.
  const passkeyOffer = app.config.passkeys && amr[0] === 'pwd' && !provider && !(await hasPasskey(app.db, user.id));
  const jwt = await app.keys.sign({ sub: user.id, sid: sessionId, email: user.email, amr, authTime: Math.floor(now / 1000), org: account?.organizationId, idp: provider?.issuer });
  return {
    step: 'done',
    async finalize(trx) {
      // The session this browser held until now ends with the new one's start (OWASP ASVS 5.0 V7.2.4).
      if (request.sessionToken) await revokeSessionByToken(trx, request.sessionToken, now);
      const { token, session } = await createSession(trx, app.config, {
        userId: user.id, amr, membershipId: account?.id ?? null, provider: provider?.issuer ?? null, ssoOrganizationId: provider?.organizationId ?? null, userAgent: request.userAgent, ip: request.ip, now, id: sessionId,
      });
      if (account) await markAccountUsed(trx, account.id, now);
      const device = state.remember && days > 0
        ? await rememberDevice(trx, { userId: user.id, days, userAgent: request.userAgent, now, ...(state.deviceExpiresAt ? { expiresAt: state.deviceExpiresAt, lastUsedAt: now } : {}) })
        : undefined;
      await audit(app, {
        event: 'login.success',
        userId: user.id,
        ip: request.ip,
        detail: { amr: amr.join(' '), sessionId: session.id, flow: state.purpose ?? 'login', ...(provider ? { provider: provider.issuer } : {}), ...(account ? { organization: account.organizationId } : {}) },
      }, trx);
      return {
        token,
        grant: {
          user: { id: user.id, email: user.email, name: user.name },
          token,
          jwt: jwt.token,
          jwtExpiresAt: jwt.expiresAt,
          expiresAt: session.expiresAt,
          idleExpiresAt: session.idleExpiresAt,
          amr,
          ...(account ? { account } : {}),
          ...(provider ? { provider: { name: provider.name, issuer: provider.issuer } } : {}),
          ...(device ? { deviceToken: device.token } : {}),
        },
        ...(device ? { device } : {}),
        ...(passkeyOffer ? { passkeyOffer } : {}),
      };
    },
  };
}

/** The session an account-page flow runs in, if it is still live and its person active; else `unauthenticated`. */
export async function liveSession(app: AppContext, state: Pick<Person, 'userId' | 'sessionId' | 'sessionTokenHash'>, now: number): Promise<LiveSession> {
  // Revoked, ended or disabled while the flow was open, or its token replaced by a re-authentication: the flow ends with it.
  const session = state.sessionId
    ? await liveSessionById(app.db, app.config, { id: state.sessionId, userId: state.userId, ...(state.sessionTokenHash === undefined ? {} : { tokenHash: state.sessionTokenHash }) }, now)
    : undefined;
  if (!session) throw new ApiError('unauthenticated');
  return session;
}

/**
 * Ends an account-page flow with the session it ran in: no new session, a
 * fresh JWT for the same `sid`. A re-authentication is recorded on the session
 * (`reauth_at`, and `mfa_at` when it passed the second factor), which is what
 * lets the account page's changes through, and gives it a new token
 * (`renewSession`); an enrolment keeps the token.
 */
async function resumeSession({ app, state, request, now }: Context<Person>, sessionId: string, amr: Amr): Promise<Move> {
  const session = await liveSession(app, { ...state, sessionId }, now);
  const reauth = state.purpose === 'reauth';
  const before = session.amr;
  // The methods of the sign-in and of this re-authentication; `mfa` last, as at sign-in.
  const methods = reauth ? [...new Set([...before, ...amr])].sort((a, b) => Number(a === 'mfa') - Number(b === 'mfa')) : before;
  const authAt = reauth ? now : session.authAt;
  const account = await accountById(app.db, session.membershipId);
  // A language chosen on the account page's own flows is remembered as at sign-in (these are rare: no read first).
  const locale = request.locale;
  if (locale) app.transition?.write((db) => updateProfile(db, state.userId, { locale }, now));
  const jwt = await app.keys.sign({
    sub: state.userId, sid: session.id, email: session.email, amr: methods, authTime: Math.floor(authAt / 1000), org: account?.organizationId, idp: session.provider ?? undefined,
  });
  return {
    step: 'done',
    async finalize(trx) {
      let token: string | undefined;
      if (reauth) {
        // Revoked, or renewed by another re-authentication, since `liveSession` read it: nothing to renew.
        token = await renewSession(trx, { id: session.id, tokenHash: session.tokenHash, amr: methods, mfa: amr.includes('mfa'), now });
        if (!token) throw new ApiError('unauthenticated');
        await audit(app, { event: 'login.success', userId: state.userId, ip: request.ip, detail: { amr: amr.join(' '), sessionId: session.id, flow: 'reauth' } }, trx);
      }
      return {
        ...(token ? { token } : {}),
        grant: {
          user: { id: state.userId, email: session.email, name: session.name },
          ...(token ? { token } : {}),
          jwt: jwt.token,
          jwtExpiresAt: jwt.expiresAt,
          expiresAt: session.expiresAt,
          idleExpiresAt: session.idleExpiresAt,
          amr: methods,
        },
      };
    },
  };
}
