import { listAudit } from '../audit.js';
import { resolveSecretKey } from '../security/secrets.js';
import { KeyRing } from '../security/tokens.js';
import { migrateToLatest } from '../store/migrations.js';
import { findUserByEmail } from '../users.js';
import { storeCommand, UsageError } from './command.js';

/** `migrate`: the one command that opens the store as it is, to report what it applies. */
export const migrate = storeCommand({
  name: 'migrate',
  flags: '',
  help: ['bring the database schema up to date'],
  migrate: false,
  parse: () => ({}),
  async run({ db }) {
    const ran = await migrateToLatest(db);
    console.log(ran.length ? `Applied: ${ran.join(', ')}` : 'The schema is up to date.');
  },
});

/** The most events `audit` prints at once. */
const AUDIT_LIMIT_MAX = 10_000;

/** `audit`: security events, newest first, for everyone or one person. */
export const audit = storeCommand({
  name: 'audit',
  flags: '[--email E] [--limit N] [--json]',
  help: ['security events, newest first'],
  parse(flags) {
    const limit = flags.limit === undefined ? 50 : Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_LIMIT_MAX) throw new UsageError(`--limit is a whole number from 1 to ${AUDIT_LIMIT_MAX}`);
    return { email: flags.email, limit, json: flags.json };
  },
  async run({ db }, { email, limit, json }) {
    let userId: string | undefined;
    if (email) {
      const user = await findUserByEmail(db, email);
      if (!user) throw new UsageError(`no user with email ${email}`);
      userId = user.id;
    }
    const events = await listAudit(db, { limit, ...(userId ? { userId } : {}) });
    if (json) return console.log(JSON.stringify(events, null, 2));
    for (const e of events) console.log(`${new Date(e.at).toISOString()}\t${e.event}\t${e.actor}\t${e.userId ?? '-'}\t${e.ip ?? '-'}\t${JSON.stringify(e.detail)}`);
  },
});

/** `keys rotate`: new JWTs are signed with a new key; the old one stays published while JWTs it signed live. */
export const keysRotate = storeCommand({
  name: 'keys rotate',
  flags: '',
  help: ['publish a new JWT signing key, which signs from 2 minutes on (the old one stays published)'],
  parse: () => ({}),
  async run({ db, config }) {
    const { kid, signsFrom } = await new KeyRing(db, config, Date.now, resolveSecretKey(config.secretKey, config.dataDir)).rotate();
    console.log(`New signing key ${kid}, published now, signing from ${new Date(signsFrom).toISOString()}; the previous key signs until then and stays in the JWKS for ${config.jwtTtlSeconds} s after.`);
  },
});
