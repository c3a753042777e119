/* The bodies the sign-in steps accept, checked at the edge (zod). */
import { z } from 'zod';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '../protocol.js';

/** An action that takes nothing. */
export const nothing = z.object({}).strict();

/** A typed one-time code (authenticator, SMS, email, recovery), and "remember this device". */
export const codeInput = z.object({ code: z.string().max(64), remember: z.boolean().optional() }).strict();

/** "Remember this device", with an answer that carries nothing else (the phone approved). */
export const rememberInput = z.object({ remember: z.boolean().optional() }).strict();

/** A code at set-up, where there is no device to remember. */
export const setupCodeInput = z.object({ code: z.string().max(64) }).strict();

/** A WebAuthn response as the browser library serialises it; @simplewebauthn/server checks its contents. */
const webauthnResponse = z
  .object({
    id: z.string().min(1).max(1024),
    rawId: z.string().min(1).max(1024),
    type: z.literal('public-key'),
    response: z.record(z.string(), z.unknown()),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    authenticatorAttachment: z.string().max(32).optional(),
  })
  .passthrough();

/** The schema checks the envelope; the ceremony's own checks (WebAuthn Level 3 §7.2) read the rest. */
const assertion = webauthnResponse.transform((response) => response as unknown as AuthenticationResponseJSON);
const attestation = webauthnResponse.transform((response) => response as unknown as RegistrationResponseJSON);

export const assertionInput = z.object({ response: assertion, remember: z.boolean().optional() }).strict();
export const registrationInput = z.object({ response: attestation, name: z.string().max(64) }).strict();

/** A flow opened from an emailed link: the link's token. */
export const linkToken = z.object({ token: z.string().min(1).max(256) }).strict();

/** The account page's flows start in a session; a host that keeps the token may send it in the start body. */
export const sessionStart = z.object({ token: z.string().max(256).optional() }).strict();
