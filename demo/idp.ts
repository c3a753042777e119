/**
 * `npm run idp`: a local OpenID Provider for trying single sign-on in the demo.
 *
 * Env: IDP_PORT (default 9400), IDP_REDIRECT_URI (adds a redirect URI; comma-separated for more).
 * Not for production: accounts are in memory, anyone who types a known email is signed in.
 */
import { startTestProvider, type ProviderAccount } from './oidc-provider.js';

const DEFAULT_REDIRECT_URI = 'http://localhost:3000/';

const port = Number(process.env.IDP_PORT ?? 9400);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`IDP_PORT must be a port number, got ${JSON.stringify(process.env.IDP_PORT)}`);
  process.exit(1);
}

const extraRedirectUris = (process.env.IDP_REDIRECT_URI ?? '')
  .split(',')
  .map((uri) => uri.trim())
  .filter(Boolean);
const redirectUris = [...new Set([DEFAULT_REDIRECT_URI, ...extraRedirectUris])];

const accounts: ProviderAccount[] = [
  { email: 'sam@acme.example', name: 'Sam Jansen', emailVerified: true },
  { email: 'alex@acme.example', name: 'Alex de Boer', emailVerified: true },
  { email: 'unverified@acme.example', name: 'Unverified Person', emailVerified: false },
];

const provider = await startTestProvider({
  accounts,
  redirectUris,
  port,
  title: 'Acme Identity (local test provider)',
  clientId: 'login-flow-demo',
  clientSecret: 'demo-client-secret-not-for-production',
});

console.log(`Acme Identity (local test OpenID provider) is running.
  issuer:        ${provider.issuer}
  discovery:     ${provider.issuer}/.well-known/openid-configuration
  client_id:     ${provider.clientId}
  client_secret: ${provider.clientSecret}
  redirect URIs: ${redirectUris.join(', ')}
Accounts (sign in by typing the email; there are no passwords):
${accounts
  .map((a) => `  ${a.email.padEnd(26)} ${(a.name ?? '').padEnd(18)} ${a.emailVerified === false ? 'email NOT verified' : 'email verified'}`)
  .join('\n')}
The demo server (npm start) ties the company "Acme" to this provider for the domain acme.example.
Press Ctrl-C to stop.`);

let stopping = false;
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the provider…`);
  await provider.close();
  process.exit(0);
}
process.once('SIGINT', (signal) => void stop(signal));
process.once('SIGTERM', (signal) => void stop(signal));
