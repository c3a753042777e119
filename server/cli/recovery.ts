/*
 * Recovery requests from the command line: support's and administrators'
 * queue, one request with what was checked, approving and rejecting; a
 * company's rules for them, and its people's employee numbers.
 */
import { setEmployeeNumber } from '../companies/members.js';
import { requireOrganization, requireOrganizationRow, setRecoverySettings } from '../companies/registry.js';
import { approveRecoveryRequest, listRecoveryRequests, rejectRecoveryRequest, showRecoveryRequest, type RecoveryStatus } from '../recovery/decisions.js';
import { UNSAFE } from '../recovery/requests.js';
import { recoveryQuery, recoveryRejection, recoverySettings, employeeNumberChange } from '../routes/admin-recovery.js';
import { option, requireEmail, requireOrg, storeCommand, UsageError, type Command, type Flags } from './command.js';

/** `--id`, a recovery request's id. */
function requireId(flags: Flags): string {
  if (!flags.id) throw new UsageError('--id is required (a recovery request\'s id, from recovery list)');
  return flags.id;
}

const date = (at: number | null) => (at === null ? '-' : new Date(at).toISOString());

/** The characters input refuses (`UNSAFE`), every one of them: a terminal or its reader could be made to act on them. */
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');

/**
 * Text from a request, shown inert: each control or bidi-override character
 * as `\u{…}`. Input refuses them since the note's rule; rows stored before
 * it may still hold them.
 */
function inert(text: string): string {
  return text.replace(UNSAFE_ALL, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** The person's note, last: each of its lines indented behind a marker, so none reads as one of the fields above. */
function noteLines(note: string): string[] {
  return ['Note (the requester\'s words, as typed):', ...note.split(/\r\n|\r|\n/).map((line) => `  | ${inert(line)}`)];
}

/** `recovery list`: the queue, one line per request. */
const list = storeCommand({
  name: 'recovery list',
  flags: '[--org S] [--status pending] [--json]',
  help: ['recovery requests, oldest first (pending past their end read as expired)'],
  parse: (flags) => ({
    org: flags.org,
    status: flags.status === undefined ? undefined : (option(recoveryQuery.shape.status, flags.status, '--status', 'pending, approved, rejected, expired, used or closed') as RecoveryStatus),
    json: flags.json,
  }),
  async run({ app }, { org, status, json }) {
    const organization = org === undefined ? undefined : (await requireOrganizationRow(app.db, org)).id;
    const requests = await listRecoveryRequests(app, { organization, status });
    if (json) return console.log(JSON.stringify(requests, null, 2));
    for (const r of requests) {
      const companies = r.companies.map((c) => c.slug).join(',') || '-';
      console.log(`${r.id}\t${r.status}\t${r.user.email}\t${companies}\t${r.queue}\t${r.approvals}/${r.approvalsNeeded}\t${date(r.createdAt)}`);
    }
  },
});

/** `recovery show`: one request with what was checked. */
const show = storeCommand({
  name: 'recovery show',
  flags: '--id ID [--json]',
  help: ["one request: the person's companies, methods and last sign-ins, what was checked"],
  parse: (flags) => ({ id: requireId(flags), json: flags.json }),
  async run({ app }, { id, json }) {
    const r = await showRecoveryRequest(app, id);
    if (json) return console.log(JSON.stringify(r, null, 2));
    const lines = [
      `Request ${r.id}: ${r.status} (${r.approvals}/${r.approvalsNeeded} approvals; ${r.queue === 'support' ? 'support decides' : "the company's administrators decide"})`,
      `Person: ${inert(r.user.name)} <${r.user.email}>, account ${r.checked.accountAgeDays} days old`,
      `Companies: ${r.companies.map((c) => `${inert(c.name)} (${c.role})`).join(', ') || 'none'}`,
      `Methods: ${r.methods.join(', ') || 'none'}`,
      `Last sign-ins: ${r.lastSignIns.map((s) => `${date(s.at)}${s.ip ? ` from ${s.ip}` : ''}`).join('; ') || 'none'}`,
      `Made: ${date(r.createdAt)} ${r.source === 'second-factor' ? 'after the password, at the second factor' : 'on the public form'}, from ${r.checked.ip ?? 'an unknown address'}${r.checked.browser ? ` (${inert(r.checked.browser)})` : ''}`,
      `Employee number: ${r.checked.employeeNumber}`,
      `Expires: ${date(r.expiresAt)}`,
      ...r.approvedBy.map((a) => `Approved by ${inert(a.by)} at ${date(a.at)}`),
      ...(r.decidedBy ? [`Decided by ${inert(r.decidedBy)} at ${date(r.decidedAt)}${r.reason ? `: ${inert(r.reason)}` : ''}`] : []),
      ...noteLines(r.note),
    ];
    console.log(lines.join('\n'));
  },
});

/** `recovery approve`: an administrator's approval (or support's); the last one needed mails the link. */
const approve = storeCommand({
  name: 'recovery approve',
  flags: '--id ID [--by ADMIN_EMAIL]',
  help: ["approve as an administrator of the person's company (without --by: as support);", 'the approval that completes it mails the person a recovery link'],
  parse: (flags) => ({ id: requireId(flags), by: flags.by }),
  async run({ app }, { id, by }) {
    const result = await approveRecoveryRequest(app, id, { by, actor: 'cli' });
    if (result.status === 'approved') console.log(`Approved; the recovery link was mailed (it works until ${date(result.linkExpiresAt ?? null)}).`);
    else console.log(`Approval recorded (${result.approvals} of ${result.approvalsNeeded}): another administrator must approve too.`);
  },
});

/** `recovery reject`: the person is mailed the reason. */
const reject = storeCommand({
  name: 'recovery reject',
  flags: '--id ID [--by ADMIN_EMAIL] --reason TEXT',
  help: ['reject; the person is mailed the reason'],
  parse: (flags) => {
    if (!flags.reason) throw new UsageError('--reason is required (it is mailed to the person)');
    return { id: requireId(flags), by: flags.by, reason: option(recoveryRejection.shape.reason, flags.reason, '--reason', 'at most 1000 characters') };
  },
  async run({ app }, { id, by, reason }) {
    await rejectRecoveryRequest(app, id, { by, reason, actor: 'cli' });
    console.log('Rejected; the person was mailed the reason.');
  },
});

/** `org recovery`: a company's rules for recovery requests. */
const orgRecovery = storeCommand({
  name: 'org recovery',
  flags: '--org S [--approvals 1|2] [--employee-number required|off]',
  help: ['recovery requests at a company: one or two administrators approve;', 'its people give their employee number, or not'],
  parse: (flags) => {
    const number = flags['employee-number'];
    if (number !== undefined && number !== 'required' && number !== 'off') throw new UsageError('--employee-number is required or off');
    return {
      org: requireOrg(flags),
      approvals: flags.approvals === undefined ? undefined : option(recoverySettings.shape.approvals, Number(flags.approvals), '--approvals', '1 or 2'),
      employeeNumber: number === undefined ? undefined : number === 'required',
    };
  },
  async run({ app }, { org, approvals, employeeNumber }) {
    const row = await requireOrganizationRow(app.db, org);
    const settings = await setRecoverySettings(app, row.id, {
      approvals: approvals ?? (Number(row.recovery_approvals) === 2 ? 2 : 1),
      employeeNumber: employeeNumber ?? Number(row.recovery_employee_number) === 1,
      actor: 'cli',
    });
    console.log(`${row.name}: recovery requests need ${settings.approvals === 2 ? 'two administrators' : 'one administrator'}; employee number ${settings.employeeNumber ? 'required' : 'not asked'}.`);
  },
});

/** `member employee-number`: a member's number, which recovery requests are checked against. */
const employeeNumber = storeCommand({
  name: 'member employee-number',
  flags: '--org S --email E --number N',
  help: ["a member's employee number, checked against their recovery requests (--number none forgets it)"],
  parse: (flags) => {
    if (!flags.number) throw new UsageError('--number is required (or none)');
    return {
      org: requireOrg(flags),
      email: requireEmail(flags),
      number: flags.number === 'none' ? null : option(employeeNumberChange.shape.employeeNumber, flags.number, '--number', 'at most 64 characters'),
    };
  },
  async run({ app }, { org, email, number }) {
    const organization = await requireOrganization(app.db, org);
    await setEmployeeNumber(app, { organization: organization.id, email: email.trim().toLowerCase(), employeeNumber: number, actor: 'cli' });
    console.log(number === null ? `${email}'s employee number at ${organization.name} is forgotten.` : `${email}'s employee number at ${organization.name} is recorded.`);
  },
});

/** The recovery commands, in the help's order. */
export const recoveryCommands: readonly Command[] = [list, show, approve, reject];

/** Recovery settings for companies and their people, listed with the company and member commands. */
export const recoveryOrganizationCommands: readonly Command[] = [orgRecovery, employeeNumber];
