import { createHash } from 'node:crypto';
import type { ProviderAccount } from './oidc-provider.js';

/*
 * What the demo provider keeps, all in memory: the records oidc-provider
 * stores through its adapter, and the accounts people sign in as.
 */

interface StoredRecord {
  payload: Record<string, unknown>;
  expiresAt: number;
}

/** A small in-memory adapter per provider (the library's own one prints a warning). */
export function createMemoryAdapterClass() {
  const records = new Map<string, StoredRecord>();
  const byGrant = new Map<string, Set<string>>();
  const sessionByUid = new Map<string, string>();
  const byUserCode = new Map<string, string>();
  const graceMs = 15_000; // keep records a little past `exp`; the models check `exp` themselves

  const live = (key: string | undefined): Record<string, unknown> | undefined => {
    if (key === undefined) return undefined;
    const record = records.get(key);
    if (!record) return undefined;
    if (record.expiresAt <= Date.now()) {
      records.delete(key);
      return undefined;
    }
    return record.payload;
  };

  return class TestProviderAdapter {
    constructor(private readonly model: string) {}

    private key(id: string): string {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
      const key = this.key(id);
      const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 + graceMs : Infinity;
      records.set(key, { payload, expiresAt });
      if (typeof payload.grantId === 'string') {
        let keys = byGrant.get(payload.grantId);
        if (!keys) byGrant.set(payload.grantId, (keys = new Set()));
        keys.add(key);
      }
      if (this.model === 'Session' && typeof payload.uid === 'string') sessionByUid.set(payload.uid, id);
      if (typeof payload.userCode === 'string') byUserCode.set(payload.userCode, id);
    }

    async find(id: string): Promise<Record<string, unknown> | undefined> {
      return live(this.key(id));
    }

    async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
      const id = sessionByUid.get(uid);
      return id === undefined ? undefined : live(this.key(id));
    }

    async findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined> {
      const id = byUserCode.get(userCode);
      return id === undefined ? undefined : live(this.key(id));
    }

    async consume(id: string): Promise<void> {
      const payload = live(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      const key = this.key(id);
      const payload = records.get(key)?.payload;
      records.delete(key);
      if (payload && typeof payload.uid === 'string' && sessionByUid.get(payload.uid) === id) {
        sessionByUid.delete(payload.uid);
      }
      if (payload && typeof payload.userCode === 'string' && byUserCode.get(payload.userCode) === id) {
        byUserCode.delete(payload.userCode);
      }
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const key of byGrant.get(grantId) ?? []) records.delete(key);
      byGrant.delete(grantId);
    }
  };
}

function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A stable `sub` for an account that has none: derived from the (normalised) email. */
function subjectFor(account: ProviderAccount): string {
  if (account.sub) return account.sub;
  return createHash('sha256').update(`test-provider-sub:${normalizeEmail(account.email)}`).digest('base64url').slice(0, 24);
}

/** The accounts by email, each with a stable `sub`; one can be replaced while the provider runs. */
export class AccountDirectory {
  readonly #byEmail = new Map<string, Required<Omit<ProviderAccount, 'name'>> & { name?: string }>();

  set(account: ProviderAccount): void {
    const email = normalizeEmail(account.email);
    const sub = subjectFor(account);
    for (const [key, existing] of this.#byEmail) {
      if (existing.sub === sub && key !== email) this.#byEmail.delete(key);
    }
    this.#byEmail.set(email, {
      sub,
      email: account.email.trim(),
      emailVerified: account.emailVerified ?? true,
      ...(account.name === undefined ? {} : { name: account.name }),
    });
  }

  byEmail(email: string) {
    return this.#byEmail.get(normalizeEmail(email));
  }

  bySub(sub: string) {
    for (const account of this.#byEmail.values()) if (account.sub === sub) return account;
    return undefined;
  }
}
