import type { IncomingMessage, ServerResponse } from 'node:http';

/*
 * The slice of oidc-provider's API the demo provider uses (the package ships
 * no type declarations), and loading it.
 */

export interface OidcInteraction {
  uid: string;
  prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
  params: Record<string, unknown>;
  grantId?: string;
  session?: { uid?: string; accountId?: string };
  exp: number;
  save(ttlSeconds: number): Promise<unknown>;
}

export interface OidcGrant {
  accountId: string;
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  save(): Promise<string>;
}

export interface OidcGrantClass {
  new (properties: { accountId: string; clientId: string }): OidcGrant;
  find(id: string): Promise<OidcGrant | undefined>;
}

export interface OidcProvider {
  Grant: OidcGrantClass;
  Session: { findByUid(uid: string): Promise<{ destroy(): Promise<void> } | undefined> };
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<OidcInteraction>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  on(event: string, listener: (...args: unknown[]) => void): void;
}

export type OidcProviderClass = new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;

export interface OidcContext {
  oidc: { result?: { login?: unknown } };
}

export interface OidcInteractionPolicy {
  base(): Array<{ name: string; checks: unknown[] }>;
  Check: new (reason: string, description: string, check: (ctx: OidcContext) => boolean) => unknown;
}

export interface OidcProviderModule {
  Provider: OidcProviderClass;
  interactionPolicy: OidcInteractionPolicy;
}

let providerModule: Promise<OidcProviderModule> | undefined;

/**
 * Imports oidc-provider once. Its entry module warns on import about any runtime but the newest
 * Node LTS lines; that one notice is dropped (it is informational; the library runs on Node 20).
 */
export function loadProviderModule(): Promise<OidcProviderModule> {
  providerModule ??= (async () => {
    const specifier: string = 'oidc-provider';
    const originalWarn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return;
      originalWarn.apply(console, args);
    };
    try {
      return (await import(specifier)) as OidcProviderModule;
    } finally {
      console.warn = originalWarn;
    }
  })();
  return providerModule;
}
