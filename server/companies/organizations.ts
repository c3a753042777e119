/*
 * Companies (organizations), as the admin API and the CLI manage them: the
 * companies themselves (registry.ts), who belongs to them (members.ts), the
 * OpenID Connect provider some of them sign their people in through
 * (sso-connections.ts), how far their 2FA rollout has come (stats.ts), and
 * the schemas that validate their input (schemas.ts): the functions take
 * input as the schemas give it.
 *
 * What a sign-in reads about companies is elsewhere: a person's accounts and
 * the 2FA policy in accounts.ts, the single sign-on itself in oidc.ts.
 */

export { addMember, DEFAULT_ROLE, listMembers, removeMember, type Member, type Membership } from './members.js';
export {
  createOrganization,
  deleteOrganization,
  findOrganization,
  listOrganizations,
  requireOrganization,
  rolloutOrderFault,
  updateOrganization,
  withChange,
  type Organization,
  type Rollout,
  type RolloutChange,
  type SsoSummary,
} from './registry.js';
export { rolloutStats, type RolloutStage, type RolloutStats } from './stats.js';
export {
  clientIdSchema,
  clientSecretSchema,
  domainsSchema,
  issuerSchema,
  mfaDateSchema,
  organizationNameSchema,
  providerNameSchema,
  roleSchema,
  slugFromName,
  slugSchema,
} from './schemas.js';
export { removeSsoConnection, setSsoConnection } from './sso-connections.js';
