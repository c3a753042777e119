/*
 * The `recover` flow after its password: the link of an approved recovery
 * request stands in for the lost second factor, the password for the first.
 * Remembered devices go now; the lost factors when the new one is set up
 * (`enrolled` in next.ts spends the link there), never before, so an
 * abandoned set-up leaves the account as it was.
 */
import { forgetDevices } from '../../security/devices.js';
import { chooseMethod } from './next.js';
import type { Context, Identified, Move } from './state.js';

/** The password was right: on to the choice of a new method, with `recovered` set so it replaces the old ones. */
export async function recoverWithLink(context: Context<Identified & { userId: string }>): Promise<Move> {
  const { app, state, now } = context;
  await forgetDevices(app.db, state.userId, now);
  return chooseMethod({ ...context, state: { ...state, amr: ['pwd'], recovered: true } }, { reason: 'recovered' });
}
