import { isIP } from 'node:net';
import { z } from 'zod';

/** A comma-separated list; blanks around and between the commas are dropped. */
export const csv = z
  .string()
  .transform((s) => s.split(',').map((part) => part.trim()).filter(Boolean));

/** A switch: true, 1 or yes; false, 0 or no. */
export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((s) => s === 'true' || s === '1' || s === 'yes');

/** An http(s) URL, reduced to its origin. */
export const origin = z.string().transform((value, ctx) => {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    return url.origin;
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not an http(s) origin` });
    return z.NEVER;
  }
});

/** An IP address, or a CIDR range of them. */
export const cidr = z.string().refine(
  (value) => {
    const [address, bits] = value.split('/');
    if (!address || !isIP(address)) return false;
    return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(address) === 6 ? 128 : 32));
  },
  { message: 'expected an IP address or CIDR range' },
);
