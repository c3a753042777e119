/* `recovery-request`: the public "lost access to your phone?" form; the same answer for every address. */
import { z } from 'zod';
import { emailSchema } from '../../../factors/email-address.js';
import { admitRecoveryRequest, fileInBackground, recoveryNote } from '../../../recovery/requests.js';
import { action, type LoginStepDefinition } from '../state.js';

/** The form's body: the address, the note for whoever decides, and the employee number where the company gave one. */
export const recoveryForm = recoveryNote.extend({ email: z.string().max(1024) }).strict();

export const recoveryRequest: LoginStepDefinition<'recovery-request'> = {
  view: (state) => (state.email ? { email: state.email } : {}),
  actions: {
    request: action({
      input: recoveryForm,
      async run({ app, state, request, now }, { email: typed, note, employeeNumber }) {
        const parsed = emailSchema.safeParse(typed);
        // The address's form only: whether it has an account is never told.
        if (!parsed.success) return { step: 'recovery-request', state, error: { code: 'invalid_email', field: 'email' } };
        const email = parsed.data;
        // Over the client's limit: `rate_limited`. Over the account's: the same answer, nothing filed.
        if (await admitRecoveryRequest(app, { email, ip: request.ip, source: 'form', now })) {
          fileInBackground(app, { email, note, employeeNumber, source: 'form', ip: request.ip, userAgent: request.userAgent, now });
        }
        return { step: 'recovery-requested', state: { email } };
      },
    }),
  },
};
