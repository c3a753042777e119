import type { Context } from 'hono';
import { ApiError } from '../errors.js';

/**
 * Reads a JSON body. An empty body is `{}`; anything else must be declared as
 * JSON (a cross-site form cannot send that without a CORS preflight) and parse.
 */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new ApiError('unsupported_media_type');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError('invalid_json');
  }
}
