import type { CDPSession, Page } from 'playwright-core';

/** What a test may change about the virtual authenticator; the rest is a phone's passkey (CTAP2, internal, resident keys, UV). */
export interface AuthenticatorOptions {
  isUserVerified?: boolean;
  automaticPresenceSimulation?: boolean;
}

/** A credential as Chromium's virtual authenticator reports it (`WebAuthn.Credential`, binary fields in base64). */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  userHandle?: string;
  signCount: number;
}

type Payload = AuthenticatorOptions & { authenticatorId?: string; isUserVerified?: boolean; enabled?: boolean };

interface Session {
  id: string;
  browser: { getPage(id: string): Page };
}

/**
 * Drives Chromium's virtual WebAuthn authenticator over the DevTools protocol,
 * so component tests run real passkey ceremonies headless: the page's
 * `navigator.credentials` talks to an authenticator that this plugin adds,
 * inspects and removes. Commands (call them with `executeServerCommand`):
 *
 * - `webauthn-add-authenticator` `{ isUserVerified?, automaticPresenceSimulation? }` → authenticator id
 * - `webauthn-remove-authenticator` `{ authenticatorId }`
 * - `webauthn-set-user-verified` `{ authenticatorId, isUserVerified }`: false is a face or fingerprint not recognised
 * - `webauthn-set-presence` `{ authenticatorId, enabled }`: false leaves every ceremony waiting for a touch that never comes
 * - `webauthn-credentials` `{ authenticatorId }` → the credentials it holds
 */
export function webauthnPlugin() {
  /** One DevTools session per test page (a page serves every test of one file). */
  const sessions = new Map<string, Promise<CDPSession>>();

  function cdp(session: Session): Promise<CDPSession> {
    let opened = sessions.get(session.id);
    if (!opened) {
      const page = session.browser.getPage(session.id);
      opened = page
        .context()
        .newCDPSession(page)
        .then(async (client) => {
          // No browser dialogs: the virtual authenticator answers on its own.
          await client.send('WebAuthn.enable', { enableUI: false });
          return client;
        });
      sessions.set(session.id, opened);
    }
    return opened;
  }

  return {
    name: 'login-flow-webauthn',
    async executeCommand({ command, payload = {}, session }: { command: string; payload?: Payload; session: Session }) {
      if (!command.startsWith('webauthn-')) return undefined;
      const client = await cdp(session);
      const authenticatorId = payload.authenticatorId ?? '';
      switch (command) {
        case 'webauthn-add-authenticator': {
          const { authenticatorId: id } = await client.send('WebAuthn.addVirtualAuthenticator', {
            options: {
              protocol: 'ctap2',
              transport: 'internal',
              hasResidentKey: true,
              hasUserVerification: true,
              isUserVerified: payload.isUserVerified ?? true,
              automaticPresenceSimulation: payload.automaticPresenceSimulation ?? true,
            },
          });
          return id;
        }
        case 'webauthn-remove-authenticator':
          await client.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
          return true;
        case 'webauthn-set-user-verified':
          await client.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: payload.isUserVerified ?? true });
          return true;
        case 'webauthn-set-presence':
          await client.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: payload.enabled ?? true });
          return true;
        case 'webauthn-credentials': {
          const { credentials } = await client.send('WebAuthn.getCredentials', { authenticatorId });
          return credentials.map(({ credentialId, isResidentCredential, rpId, userHandle, signCount }) => ({ credentialId, isResidentCredential, rpId, userHandle, signCount }));
        }
        default:
          throw new Error(`Unknown WebAuthn test command ${command}`);
      }
    },
  };
}
