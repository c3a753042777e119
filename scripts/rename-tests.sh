#!/usr/bin/env bash
# Moves the server tests next to what they cover, mirroring server/:
#
#   test/server/flows/login/   the kinds of flow (login, activate, reset, reauth, enrol) and their steps
#   test/server/factors/       server/factors/*    (passkey, password policy, SMS as a factor)
#   test/server/security/      server/security/*   (sessions, rate limits, credential changes)
#   test/server/routes/        server/routes/*     (account, admin, dev outbox)
#   test/server/companies/     server/companies/*  (organizations, demo seeding)
#   test/server/delivery/      server/delivery/*   (mail, SMS providers)
#   test/server/cli/           server/cli.ts       (the commands)
#
# Staying in test/server/: what covers the whole HTTP surface (fuzz, bad-input,
# logging, health), what mirrors a top-level module (config, compression), the
# test provider's self-test (oidc-provider-harness, moving with the provider),
# and the shared helpers (helpers, inbox, soft-authenticator, cli-run).
#
# Then it rewrites the relative imports of the moved files for their new depth,
# widens `npm run test:server` to the subfolders, and stages everything.
# Run it from the repository root on a clean tree, then: npm run check && npm run test:server
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

if [ -n "$(git status --porcelain -- test/server package.json)" ]; then
  echo "rename-tests: test/server or package.json has uncommitted changes; commit or stash them first" >&2
  exit 1
fi

mkdir -p test/server/{flows/login,factors,security,routes,companies,delivery,cli}

# Login flows and their steps (server/flows/login/, server/flows/login/steps/).
git mv test/server/login-flow.test.ts        test/server/flows/login/login.test.ts
git mv test/server/login.security.test.ts    test/server/flows/login/login.security.test.ts
git mv test/server/second-factor.test.ts     test/server/flows/login/second-factor.test.ts
git mv test/server/activation.test.ts        test/server/flows/login/activation.test.ts
git mv test/server/reset.test.ts             test/server/flows/login/reset.test.ts
git mv test/server/account-flows.test.ts     test/server/flows/login/account-flows.test.ts
git mv test/server/sso.test.ts               test/server/flows/login/sso.test.ts

# Factors (server/factors/).
git mv test/server/passkey.test.ts           test/server/factors/passkey.test.ts
git mv test/server/password-policy.test.ts   test/server/factors/password-policy.test.ts
git mv test/server/sms-factor.test.ts        test/server/factors/sms.test.ts

# Security rules (server/security/).
git mv test/server/session.test.ts           test/server/security/sessions.test.ts
git mv test/server/rate-limit.test.ts        test/server/security/rate-limit.test.ts
git mv test/server/credential-change.test.ts test/server/security/credential-change.test.ts

# Routes (server/routes/).
git mv test/server/account.test.ts           test/server/routes/account.test.ts
git mv test/server/admin.test.ts             test/server/routes/admin.test.ts
git mv test/server/dev-outbox.test.ts        test/server/routes/dev-outbox.test.ts

# Companies (server/companies/).
git mv test/server/organizations.test.ts     test/server/companies/organizations.test.ts
git mv test/server/demo-companies.test.ts    test/server/companies/demo.test.ts

# Delivery (server/delivery/).
git mv test/server/mail.test.ts              test/server/delivery/mail.test.ts
git mv test/server/sms.test.ts               test/server/delivery/sms.test.ts

# The command line (server/cli.ts).
git mv test/server/cli.test.ts               test/server/cli/commands.test.ts
git mv test/server/cli-organizations.test.ts test/server/cli/organizations.test.ts

# Relative specifiers in the moved files, as they were written from test/server/:
# `from '...'`, `import '...'`, `import('...')` and `new URL('...', import.meta.url)`.
# Each is resolved from the old folder and written again from the new one, so
# '../../server/x.js' becomes '../../../../server/x.js' in flows/login/, and
# './helpers.js' becomes '../../helpers.js' there ('../helpers.js' one level down).
# Other strings that look like paths ('../../etc/passwd' as test input) are left alone.
node --input-type=module -e '
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
const renames = execFileSync("git", ["diff", "--cached", "--name-status", "-M", "--", "test/server"], { encoding: "utf8" })
  .split("\n").filter((line) => line.startsWith("R")).map((line) => line.split("\t").slice(1));
for (const [from, to] of renames) {
  const text = readFileSync(to, "utf8");
  const fixed = text.replace(/(\bfrom\s+|\bimport\s+|\bimport\(\s*|\bnew URL\(\s*)(["\x27])(\.\.?\/[^"\x27]*)\2/g, (_, lead, quote, specifier) => {
    let moved = relative(dirname(to), join(dirname(from), specifier));
    if (!moved.startsWith(".")) moved = `./${moved}`;
    return `${lead}${quote}${moved}${quote}`;
  });
  if (fixed !== text) writeFileSync(to, fixed);
  console.log(`${from} -> ${to}`);
}
'

# node --test on Node 20 takes no glob of its own ("test/server/**/*.test.ts" is
# not found there), so the shell expands one pattern per depth.
sed -i 's#--test-reporter=spec test/server/\*\.test\.ts"#--test-reporter=spec test/server/*.test.ts test/server/*/*.test.ts test/server/*/*/*.test.ts"#' package.json
grep -q 'test/server/\*/\*/\*\.test\.ts' package.json || { echo "rename-tests: package.json test:server not updated" >&2; exit 1; }
# Its usage example in with-postgres.ts sits in a block comment, where '*/' would end it: name the npm script instead.
sed -i 's#with-postgres.ts node --import tsx --test test/server/\*\.test\.ts$#with-postgres.ts npm run test:server#' test/support/with-postgres.ts

git add -A test/server package.json test/support/with-postgres.ts
git status --short
