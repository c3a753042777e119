import { html, nothing, type TemplateResult } from 'lit';
import type { PasswordPolicyView, PasswordRule } from '../../server/flows/protocol.js';
import type { ClientError } from './api.js';
import type { Translate } from './i18n.js';

/**
 * The rules the browser checks as the person types, beside the lengths: the
 * server's own checks (`CHECKS` in server/factors/password-policy.ts), on the NFKC
 * form. `not_common`, `not_guessable`, `not_email` and `not_context` are the server's alone.
 */
const PATTERNS: Partial<Record<PasswordRule, RegExp>> = {
  digit: /\p{Nd}/u,
  special: /[^\p{L}\p{N}\s]/u,
  upper: /\p{Lu}/u,
  lower: /\p{Ll}/u,
  no_angle_brackets: /^[^<>]*$/,
  no_control: /^\P{Cc}*$/u,
};

/** A rule only the server can check (a list of common passwords, its guessing model, the person's own words): no pattern here, no length. */
export function serverOnly(rule: PasswordRule): boolean {
  return rule !== 'min_length' && rule !== 'max_length' && !PATTERNS[rule];
}

/**
 * Whether `typed` meets a rule (lengths in code points, as the server counts
 * them). A server-only rule is unknown (undefined) unless the server's last
 * answer (`password_policy` with `details.rules`, here `refused`) refused a password for it.
 */
function meets(rule: PasswordRule, typed: string, { minLength, maxLength }: PasswordPolicyView, refused: PasswordRule[]): boolean | undefined {
  const password = typed.normalize('NFKC');
  const { length } = [...password];
  return rule === 'min_length'
    ? length >= minLength
    : rule === 'max_length'
      ? length <= maxLength
      : (PATTERNS[rule]?.test(password) ?? (refused.includes(rule) ? false : undefined));
}

/**
 * The policy as a checklist that ticks as the person types a new password.
 * Not a live region: the list is read with the field (`aria-describedby` the
 * list's `id`), not at every keystroke. A rule the policy does not list (no
 * control characters) joins the list once the server refuses a password for it.
 */
export function ruleList(t: Translate, policy: PasswordPolicyView, typed: string, error: ClientError | undefined, id: string): TemplateResult {
  const refused = (error?.details?.rules as PasswordRule[] | undefined) ?? [];
  return html`<ul class="lf-steps lf-rules" id=${id}>
    ${[...new Set([...policy.rules, ...refused])].map((rule) => {
      const met = meets(rule, typed, policy, refused);
      return html`<li data-met=${met ?? nothing}>
        ${t(`rule_${rule}`, { min: policy.minLength, max: policy.maxLength })}${met === undefined ? nothing : html`<span class="lf-sr">: ${t(met ? 'rule_met' : 'rule_unmet')}</span>`}
      </li>`;
    })}
  </ul>`;
}
