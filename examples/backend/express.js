// Illustrative only: needs `npm install express login-flow` (Express 5). Express
// is not a dependency of this repository, so this file is neither run by the
// tests nor type-checked.
//
// A host backend on Express that answers `GET /api/me` only for a signed-in
// person, who sends login-flow's session JWT as `Authorization: Bearer <jwt>`.
//
//   LOGIN_FLOW_URL=https://auth.example.com node examples/backend/express.js
import express from 'express';
import { createVerifier, SessionVerificationError } from 'login-flow/verify';

// Made once, at start-up: a missing or wrong option throws here, not at every request.
const verifySession = createVerifier({
  issuer: process.env.LOGIN_FLOW_URL ?? 'http://localhost:3000', // the API's PUBLIC_URL
  audience: process.env.JWT_AUDIENCE ?? 'login-flow',
});

/** RFC 6750 §2.1; the scheme is case-insensitive. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Lets the request through with a valid session JWT and puts its claims in
 * `res.locals.session`. The keys are fetched once and kept (again only for a
 * key the verifier has not seen), so verifying costs no request per call.
 */
async function requireSession(req, res, next) {
  const token = BEARER.exec(req.get('authorization') ?? '')?.[1];
  if (!token) {
    // RFC 6750 §3.1: no error code when no credentials were sent.
    res.set('WWW-Authenticate', 'Bearer').status(401).json({ error: { code: 'unauthenticated' } });
    return;
  }
  try {
    res.locals.session = await verifySession(token);
  } catch (error) {
    if (!(error instanceof SessionVerificationError)) return next(error);
    // The keys could not be fetched: the token may be fine, so do not send the person to sign in again.
    if (error.code === 'jwks_unavailable') return res.status(503).json({ error: { code: 'session_check_unavailable' } });
    res.set('WWW-Authenticate', `Bearer error="invalid_token", error_description="${error.code}"`).status(401).json({ error: { code: 'unauthenticated' } });
    return;
  }
  next();
}

const app = express();

app.get('/api/me', requireSession, (req, res) => {
  const { sub, email, org, amr, authTime } = res.locals.session;
  res.json({ userId: sub, email, company: org ?? null, twoStep: amr.includes('mfa'), signedInAt: authTime.toISOString() });
});

app.listen(Number(process.env.PORT ?? 4000));
