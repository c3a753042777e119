/**
 * login-flow: one script, one element. Importing this module registers
 * `<login-flow>` and its step elements.
 */
export { LoginFlow } from './login-flow/login-flow.js';
export { EmailStep } from './steps/email/email-step.js';
export { PasswordStep } from './steps/password/password-step.js';
export { DoneStep } from './steps/done/done-step.js';
export { LoginFlowErrorEvent, LoginFlowStepChangeEvent, LoginFlowSuccessEvent } from './lib/events.js';
export type { FlowState, SessionGrant, StepName } from '../server/flows/protocol.js';
