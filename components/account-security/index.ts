/**
 * The account security page: importing this module registers
 * `<account-security>` (and, through it, `<login-flow>`).
 */
export { AccountSecurity } from './account-security.js';
export { AccountSecurityChangeEvent, AccountSecurityErrorEvent } from './events.js';
export type { AccountSection, AccountSecurityChangeKind } from './events.js';
export type { AccountOverview, AccountSession, Passkey, RememberedDevice } from './api.js';
