/**
 * login-flow: one script, one element. Importing this module registers
 * `<login-flow>` and its step elements.
 */
export { LoginFlow } from './login-flow/login-flow.js';
// Types only: each value export costs bytes of the 20 KB budget, and <login-flow> registers the elements
// (`customElements.get('lf-email-step')` reaches a class at run time).
export type { EmailStep } from './steps/email/email-step.js';
export type { PasswordStep } from './steps/password/password-step.js';
export type { SecondFactorStep } from './steps/second-factor/second-factor-step.js';
export type { MfaPromptStep } from './steps/mfa-prompt/mfa-prompt-step.js';
export type { TotpSetupStep } from './steps/totp-setup/totp-setup-step.js';
export type { PasskeySetupStep } from './steps/passkey-setup/passkey-setup-step.js';
export type { RecoveryCodeStep } from './steps/recovery-code/recovery-code-step.js';
export type { DoneStep } from './steps/done/done-step.js';
export type { ResetSentStep } from './steps/reset-sent/reset-sent-step.js';
export type { SetPasswordStep } from './steps/set-password/set-password-step.js';
export type { VerifyEmailStep } from './steps/verify-email/verify-email-step.js';
export type { SmsSetupStep } from './steps/sms-setup/sms-setup-step.js';
export type { MethodChoiceStep } from './steps/method-choice/method-choice-step.js';
export { LoginFlowErrorEvent, LoginFlowLanguageChangeEvent, LoginFlowPasskeyOfferEvent, LoginFlowStepChangeEvent, LoginFlowSuccessEvent } from './lib/events.js';
export type { FlowState, SessionGrant, StepName } from '../server/flows/protocol.js';
