/** A failed call: the API's catalogue code, or `network_error` when no answer came. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status = 0,
  ) {
    super(code);
    this.name = 'ApiError';
  }
}

/** Server time minus this phone's, from the last answer's `Date` header: request deadlines are the server's clock. */
let clockOffset = 0;

/** Now, on the server's clock (to the second). */
export function serverNow(): number {
  return Date.now() + clockOffset;
}

export interface CallOptions {
  body?: unknown;
  /** The device token: `Authorization: Bearer`. */
  token?: string;
  signal?: AbortSignal;
}

/**
 * One JSON call to the approver's API, same origin. Resolves with the parsed
 * body; rejects with an ApiError carrying the catalogue code, or the
 * AbortError of `signal`.
 */
export async function call<T>(method: string, path: string, { body, token, signal }: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? null : JSON.stringify(body), signal: signal ?? null, cache: 'no-store' });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError('network_error');
  }
  const date = Date.parse(response.headers.get('date') ?? '');
  if (Number.isFinite(date)) clockOffset = date - Date.now();
  const text = await response.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const code = (parsed as { error?: { code?: unknown } } | undefined)?.error?.code;
    throw new ApiError(typeof code === 'string' ? code : 'generic', response.status);
  }
  return parsed as T;
}
