import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { generatePassword } from '../factors/password.js';
import { createUser, findUserByEmail } from '../users.js';
import { insertUser } from '../store/users.js';
import { ensureMember } from './members.js';
import { ensureOrganization } from './registry.js';
import { seedSsoConnection } from './sso-connections.js';

/**
 * The demo's companies, made in development on first start so both journeys
 * of several accounts can be tried at once:
 * - a second demo person works at two companies, so signing in asks which
 *   one, and the signed-in panel can switch between them (the demo user keeps
 *   the plain journey, with no company to choose);
 * - "Acme" signs its people in through its own OpenID provider: the local test
 *   provider that `npm run idp` starts (demo/idp.ts) on 127.0.0.1:9400.
 */
export const DEMO_IDP = {
  issuer: 'http://127.0.0.1:9400',
  clientId: 'login-flow-demo',
  /** The local test provider's client secret: a demo value, known to both sides. */
  clientSecret: 'demo-client-secret-not-for-production',
  domain: 'acme.example',
  people: [
    { email: 'sam@acme.example', name: 'Sam Jansen' },
    { email: 'alex@acme.example', name: 'Alex de Boer' },
  ],
};

const COMPANIES = [
  { slug: 'bakkerij-de-vries', name: 'Bakkerij de Vries' },
  { slug: 'noordzee-logistics', name: 'Noordzee Logistics' },
];

/** The person with an account at each of the two companies. */
export const DEMO_TWO_COMPANIES = { email: 'jordan@example.com', name: 'Jordan Visser' };

/**
 * Creates what is missing; prints who can sign in, and the new person's
 * password once. Another process on the same database may be doing the same
 * at the same moment: every insert gives way to a row that is already there
 * (the unique keys decide), and the rows are then read back.
 */
export async function ensureDemoCompanies(app: AppContext, print: (line: string) => void): Promise<void> {
  const now = Date.now();
  let jordan = await findUserByEmail(app.db, DEMO_TWO_COMPANIES.email);
  if (!jordan) {
    const password = app.config.demoPassword ?? generatePassword();
    try {
      jordan = await createUser(app.db, app.config, { ...DEMO_TWO_COMPANIES, password, now });
      print(`Demo person with two companies created: ${DEMO_TWO_COMPANIES.email}  password: ${password}`);
    } catch (error) {
      // Created by another process a moment ago; that one printed the password.
      if (!(error instanceof ApiError && error.details?.reason === 'exists')) throw error;
      jordan = (await findUserByEmail(app.db, DEMO_TWO_COMPANIES.email))!;
    }
  }
  for (const company of COMPANIES) {
    const id = await ensureOrganization(app.db, company, now);
    await ensureMember(app.db, { userId: jordan.id, organizationId: id, now });
  }
  const acme = await ensureOrganization(app.db, { slug: 'acme', name: 'Acme' }, now);
  await seedSsoConnection(app, {
    organizationId: acme,
    name: 'Acme Identity',
    issuer: DEMO_IDP.issuer,
    clientId: DEMO_IDP.clientId,
    clientSecret: DEMO_IDP.clientSecret,
    domain: DEMO_IDP.domain,
    now,
  });
  for (const person of DEMO_IDP.people) {
    // No password: Acme's provider is their only way in.
    await insertUser(app.db, { id: crypto.randomUUID(), email: person.email, name: person.name, password_hash: null, status: 'active', webauthn_id: null, email_verified_at: now, locale: null, created_at: now, updated_at: now });
    const user = await app.db.selectFrom('users').select('id').where('email', '=', person.email).executeTakeFirstOrThrow();
    await ensureMember(app.db, { userId: user.id, organizationId: acme, now });
  }
  print(`Demo companies: ${COMPANIES.map((c) => c.name).join(' and ')} (${DEMO_TWO_COMPANIES.email} works at both); Acme signs in ${DEMO_IDP.people.map((p) => p.email).join(', ')} through ${DEMO_IDP.issuer} (start it with: npm run idp)`);
}
