import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { ApiError, parseInput } from '../errors.js';
import { emailSchema } from '../factors/email-address.js';
import { setEmployeeNumber } from '../companies/members.js';
import { requireOrganizationRow, setRecoverySettings } from '../companies/registry.js';
import { approveRecoveryRequest, listRecoveryRequests, rejectRecoveryRequest, showRecoveryRequest } from '../recovery/decisions.js';
import { EMPLOYEE_NUMBER_MAX, NOTE_MAX, plainLine } from '../recovery/requests.js';
import { readJson } from './body.js';

/**
 * Who decides: an administrator of the person's company by email; left out (or `support`) for the platform's support.
 * The caller holding the admin key names them: the two-person rule holds as far as the host binds `by` to its own signed-in administrator.
 */
const by = plainLine(1024).optional();

export const recoveryQuery = z.object({
  org: z.string().max(64).optional(),
  status: z.enum(['pending', 'approved', 'rejected', 'expired', 'used', 'closed']).optional(),
});
export const recoveryApproval = z.object({ by }).strict();
export const recoveryRejection = z.object({ by, reason: plainLine(NOTE_MAX) }).strict();
export const recoverySettings = z.object({ approvals: z.union([z.literal(1), z.literal(2)]), employeeNumber: z.boolean() }).strict();
export const employeeNumberChange = z
  .object({ email: z.string().max(1024), employeeNumber: plainLine(EMPLOYEE_NUMBER_MAX).nullable() })
  .strict();

/**
 * The admin API's recovery requests ("lost access to your phone?"): the
 * queue, one request with what was checked, approving (the two-person rule
 * where a company asks for it) and rejecting; a company's rules for them and
 * its people's employee numbers. Mounted under the admin key (admin.ts).
 */
export function adminRecoveryRoutes(app: AppContext): Hono {
  const routes = new Hono();
  const body = async (c: Context) => readJson(c, app.config.bodyLimitBytes);

  routes.get('/recovery-requests', async (c) => {
    const query = parseInput(recoveryQuery, c.req.query());
    const organization = query.org === undefined ? undefined : (await requireOrganizationRow(app.db, query.org)).id;
    return c.json({ requests: await listRecoveryRequests(app, { organization, status: query.status }) });
  });

  routes.get('/recovery-requests/:id', async (c) => c.json(await showRecoveryRequest(app, c.req.param('id'))));

  routes.post('/recovery-requests/:id/approve', async (c) => {
    const input = parseInput(recoveryApproval, await body(c));
    return c.json(await approveRecoveryRequest(app, c.req.param('id'), { by: input.by, actor: 'admin' }));
  });

  routes.post('/recovery-requests/:id/reject', async (c) => {
    const input = parseInput(recoveryRejection, await body(c));
    return c.json(await rejectRecoveryRequest(app, c.req.param('id'), { by: input.by, reason: input.reason, actor: 'admin' }));
  });

  routes.put('/organizations/:org/recovery', async (c) => {
    const input = parseInput(recoverySettings, await body(c));
    return c.json(await setRecoverySettings(app, c.req.param('org'), { ...input, actor: 'admin' }));
  });

  // The person in the body, not the path: addresses stay out of access logs.
  routes.put('/organizations/:org/members/employee-number', async (c) => {
    const input = parseInput(employeeNumberChange, await body(c));
    const email = emailSchema.safeParse(input.email);
    if (!email.success) throw new ApiError('invalid_email', { field: 'email' });
    await setEmployeeNumber(app, { organization: c.req.param('org'), email: email.data, employeeNumber: input.employeeNumber, actor: 'admin' });
    return c.body(null, 204);
  });

  return routes;
}
