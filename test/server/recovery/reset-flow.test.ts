/*
 * A reset link proves the mailbox, not the password: the reset flow's second
 * factor offers no recovery request, which would go to the administrators as
 * "after the password".
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowState } from '../../../server/flows/protocol.js';
import { issueLinkToken } from '../../../server/security/link-tokens.js';
import { act, assertError, startServer } from '../helpers.js';
import { flowOf, openLink } from '../inbox.js';
import { atSecondFactor, company } from './support.js';

describe('the reset flow and recovery requests', () => {
  it('offers the request after the password, and not after a reset link', async (t) => {
    const server = await startServer(t);
    const { personId } = await company(server);
    const login = await atSecondFactor(server);
    assert.ok((login.actions as readonly string[]).includes('request-recovery'));
    assert.ok('recoveryRequest' in (login.data as object));

    const { token } = await issueLinkToken(server.db, { userId: personId, purpose: 'password-reset', ttlMs: 3_600_000, now: server.clock.now });
    const reset: FlowState = await flowOf(await openLink(server, 'reset', token));
    assert.equal(reset.step, 'second-factor');
    assert.ok(!(reset.actions as readonly string[]).includes('request-recovery'), JSON.stringify(reset.actions));
    assert.ok(!('recoveryRequest' in (reset.data as object)));
    await assertError(await act(server, reset.id, 'request-recovery', { note: 'Lost my phone.' }), 'action_not_allowed');
    assert.equal((await server.db.selectFrom('recovery_requests').select('id').execute()).length, 0);
  });
});
