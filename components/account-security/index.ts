/**
 * The account security page: importing this module registers
 * `<account-security>` (and, through it, `<login-flow>`) and `<company-switch>`.
 */
export { AccountSecurity } from './account-security.js';
export { CompanySwitch } from './company-switch.js';
export { AccountSecurityChangeEvent, AccountSecurityErrorEvent, CompanySwitchChangeEvent, CompanySwitchErrorEvent } from './events.js';
export type { AccountSection, AccountSecurityChangeKind } from './events.js';
export type { AccountOverview, AccountSession, Passkey, RememberedDevice } from './api.js';
