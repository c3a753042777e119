import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import type { Db } from '../store/index.js';
import { prepare } from '../store/prepared.js';
import type { QrCode } from '../shapes.js';
export type { QrCode };

/** RFC 6238 §5.2: a 30-second time step is the recommended default, and what every authenticator app uses. */
export const TOTP_PERIOD_SECONDS = 30;
/** RFC 4226 §5.3 / RFC 6238: six digits, the value authenticator apps assume. */
export const TOTP_DIGITS = 6;
/** RFC 6238 §5.2: accept at most one step of clock drift either way (NIST SP 800-63B-4 §3.1.4.1 bounds the window too). */
export const TOTP_DRIFT_STEPS = 1;
/** RFC 4226 §4 R6 asks for at least 128 bits of shared secret and recommends 160. */
export const TOTP_SECRET_BYTES = 20;
/** SHA-1 is what authenticator apps implement for otpauth:// keys; it is not a weakness for HMAC (RFC 6238 §1.2). */
const TOTP_ALGORITHM = 'SHA1';

function totp(secret: string, issuer = '', label = ''): TOTP {
  return new TOTP({ issuer, label, algorithm: TOTP_ALGORITHM, digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS, secret: Secret.fromBase32(secret) });
}

/** A fresh random shared secret, base32 (RFC 4648 §6) as authenticator apps expect. */
export function createTotpSecret(): string {
  return new Secret({ size: TOTP_SECRET_BYTES }).base32;
}

/** The otpauth:// URI (Key Uri Format) an app scans: issuer and account name label the entry. */
export function totpUri({ secret, issuer, account }: { secret: string; issuer: string; account: string }): string {
  return totp(secret, issuer, account).toString();
}

/** The time step (RFC 6238 §4.2 counter) a code belongs to, within the allowed drift; null if it matches none. */
export function matchTotp({ secret, code, now }: { secret: string; code: string; now: number }): number | null {
  if (!new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(code)) return null;
  const delta = totp(secret).validate({ token: code, timestamp: now, window: TOTP_DRIFT_STEPS });
  if (delta === null) return null;
  return Math.floor(now / 1000 / TOTP_PERIOD_SECONDS) + delta;
}

/** A code as people type or paste it: "123 456", "123-456". */
export function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}

/**
 * Accepts a time step for a credential at most once, and never one older than
 * the last accepted (RFC 6238 §5.2: "MUST NOT accept the second attempt of the
 * same OTP"). One conditional update: of two concurrent uses, exactly one wins.
 */
export async function claimTotpStep(db: Db, { credentialId, step, now }: { credentialId: string; step: number; now: number }): Promise<boolean> {
  const result = await claim(db, { credentialId, step, now });
  return Number(result.numAffectedRows) === 1;
}

const claim = prepare<{ credentialId: string; step: number; now: number }, never>((db, p) =>
  db
    .updateTable('credentials')
    .set({ last_step: p.step, last_used_at: p.now })
    .where('id', '=', p.credentialId)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', p.step)])),
);

/**
 * The QR code of an otpauth:// URI as one SVG path, drawn here so the widget
 * carries no QR encoder. Error correction M (15 %) survives a phone camera's
 * glare; the 4-module quiet zone is what ISO/IEC 18004 §6.3.8 requires.
 */
export function totpQr(uri: string): QrCode {
  const QUIET_ZONE = 4;
  const { modules } = QRCode.create(uri, { errorCorrectionLevel: 'M' });
  const size = modules.size;
  let path = '';
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!modules.get(y, x)) continue;
      // Merge a run of dark modules on a row into one rectangle.
      let run = 1;
      while (x + run < size && modules.get(y, x + run)) run++;
      path += `M${x + QUIET_ZONE} ${y + QUIET_ZONE}h${run}v1h-${run}z`;
      x += run - 1;
    }
  }
  return { size: size + QUIET_ZONE * 2, path };
}
