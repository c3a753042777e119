// Not part of the app: `npm run check` proves that login-flow/react types the
// elements for real. Each @ts-expect-error fails the check if its line compiles.
import type { SessionGrant } from 'login-flow/elements';

export function TypesCheck() {
  return (
    <>
      {/* The grant's JWT is a string, and the step a known name. */}
      <login-flow onlf-success={(event) => event.session.jwt.length} onlf-step-change={(event) => event.step === 'password'} />
      {/* @ts-expect-error: no such flow */}
      <login-flow flow="nope" />
      {/* @ts-expect-error: lf-success has no `code` (that is lf-error's) */}
      <login-flow onlf-success={(event) => event.code} />
      {/* @ts-expect-error: the grant's jwt is the token itself, a string */}
      <login-flow onlf-success={(event) => event.session.jwt.token} />
      {/* @ts-expect-error: `language-switch` is a boolean */}
      <login-flow language-switch="yes" />
      {/* @ts-expect-error: the elements take no children */}
      <account-security>text</account-security>
      {/* @ts-expect-error: account-security-change has no `session` */}
      <account-security onaccount-security-change={(event) => event.session} />
    </>
  );
}

/** The event's grant is the package's SessionGrant. */
export const grant = (handler: (session: SessionGrant) => void) => <login-flow onlf-success={(event) => handler(event.session)} />;
