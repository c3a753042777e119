import { assertWebLink, dateOf, plural, validFor, type Language, type MailMessage, type Template } from './template.js';

/* The mail in Dutch. Same subjects, blocks and order as en.ts, so both parts of every mail match in either language. */

const FACTOR_NAMES = { approver: 'een telefoon die inloggen goedkeurt', totp: 'een authenticator-app', passkey: 'een passkey', sms: 'een telefoonnummer voor verificatiecodes per sms' } as const;

const IF_NOT_YOU = 'Was jij dit niet? Neem dan meteen contact op met je werkgever of de helpdesk, en wijzig je wachtwoord.';

const IF_NOT_ASKED = 'Heb je hier niet om gevraagd? Dan kun je deze e-mail negeren.';

function template(message: MailMessage, app: string, email: string, now: number): Template {
  switch (message.kind) {
    case 'invitation':
      return {
        subject: `Activeer je ${app}-account`,
        heading: `Welkom bij ${app}`,
        blocks: [
          { type: 'p', text: `Je bent uitgenodigd voor ${app}. Je gebruikersnaam is ${email}.` },
          { type: 'p', text: 'Activeer je account via de knop hieronder. Je kiest dan een wachtwoord en stelt tweestapsverificatie in.' },
          { type: 'button', label: 'Account activeren', href: assertWebLink(message.link) },
          { type: 'p', text: `De link is één keer te gebruiken en blijft ${validFor('nl', message.expiresAt, now)} geldig (tot ${dateOf('nl', message.expiresAt)}).` },
          { type: 'p', text: 'Is de link verlopen? Vraag je werkgever om een nieuwe uitnodiging.' },
        ],
      };
    case 'email-code':
      return {
        subject: `Je verificatiecode voor ${app}`,
        heading: 'Bevestig je e-mailadres',
        blocks: [
          { type: 'p', text: 'Vul deze verificatiecode in om te bevestigen dat dit e-mailadres van jou is:' },
          { type: 'code', code: message.code },
          { type: 'p', text: `De code is ${plural('nl', message.minutes, 'minute')} geldig.` },
          { type: 'p', text: IF_NOT_ASKED },
        ],
      };
    case 'password-reset':
      return {
        subject: `Nieuw wachtwoord voor ${app}`,
        heading: 'Kies een nieuw wachtwoord',
        blocks: [
          { type: 'p', text: `Iemand heeft gevraagd het wachtwoord van je ${app}-account (${email}) opnieuw in te stellen.` },
          { type: 'button', label: 'Nieuw wachtwoord kiezen', href: assertWebLink(message.link) },
          { type: 'p', text: `De link is één keer te gebruiken en blijft ${plural('nl', message.minutes, 'minute')} geldig.` },
          { type: 'p', text: `${IF_NOT_ASKED} Je wachtwoord verandert dan niet.` },
        ],
      };
    case 'password-changed':
      return {
        subject: `Je ${app}-wachtwoord is gewijzigd`,
        heading: 'Je wachtwoord is gewijzigd',
        blocks: [
          { type: 'p', text: `Het wachtwoord van je ${app}-account (${email}) is gewijzigd.` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
    case 'factor-added':
      return {
        subject: `Er is ${FACTOR_NAMES[message.factor]} toegevoegd aan je ${app}-account`,
        heading: 'Tweestapsverificatie gewijzigd',
        blocks: [
          { type: 'p', text: `Voor tweestapsverificatie is ${FACTOR_NAMES[message.factor]} toegevoegd aan je ${app}-account (${email}).` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
    case 'factor-removed':
      return {
        subject: `Er is ${FACTOR_NAMES[message.factor]} verwijderd uit je ${app}-account`,
        heading: 'Tweestapsverificatie gewijzigd',
        blocks: [
          { type: 'p', text: `Er is ${FACTOR_NAMES[message.factor]} verwijderd uit je ${app}-account (${email}).` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
    case 'approval-denied': {
      const where = `op ${dateOf('nl', message.at)}${message.browser ? ` vanaf ${message.browser}` : ''}${message.ip ? ` (IP-adres ${message.ip})` : ''}`;
      const reset = message.purpose === 'password-reset';
      return {
        subject: reset ? `Iemand probeerde een nieuw wachtwoord in te stellen op je ${app}-account` : `Iemand probeerde in te loggen op je ${app}-account`,
        heading: reset ? 'Iemand probeerde een nieuw wachtwoord in te stellen' : 'Iemand probeerde in te loggen',
        blocks: [
          {
            type: 'p',
            text: reset
              ? `Een nieuw wachtwoord instellen voor je ${app}-account (${email}) via een herstellink ${where} is op je telefoon geweigerd. Wie dit probeerde, kon je e-mail lezen: beveilig je mailbox nu.`
              : `Een inlogpoging op je ${app}-account (${email}) ${where} is op je telefoon geweigerd. Wie dit probeerde, kende je wachtwoord: wijzig het nu.`,
          },
          { type: 'p', text: `Was jij het en koos je het verkeerde getal? ${reset ? 'Open de link dan opnieuw' : 'Log dan opnieuw in'}; verder hoef je niets te doen.` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
    }
    case 'recovery-code-used':
      return {
        subject: `Je ${app}-herstelcode is gebruikt`,
        heading: 'Je herstelcode is gebruikt',
        blocks: [
          { type: 'p', text: `Er is met je herstelcode ingelogd op je ${app}-account (${email}). Je moet tweestapsverificatie nu opnieuw instellen en krijgt daarbij een nieuwe herstelcode.` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
    case 'mfa-reset':
      return {
        subject: `Tweestapsverificatie voor je ${app}-account is gereset`,
        heading: 'Tweestapsverificatie is gereset',
        blocks: [
          { type: 'p', text: `De helpdesk heeft de methoden voor tweestapsverificatie van je ${app}-account (${email}) verwijderd. Als je de volgende keer inlogt, stel je tweestapsverificatie opnieuw in.` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
    case 'recovery-code-regenerated':
      return {
        subject: `Er is een nieuwe herstelcode gemaakt voor je ${app}-account`,
        heading: 'Nieuwe herstelcode',
        blocks: [
          { type: 'p', text: `Er is een nieuwe herstelcode gemaakt voor je ${app}-account (${email}). Je vorige herstelcode werkt niet meer.` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
    case 'mfa-disabled':
      return {
        subject: `Tweestapsverificatie voor je ${app}-account is uitgezet`,
        heading: 'Tweestapsverificatie is uitgezet',
        blocks: [
          { type: 'p', text: `Tweestapsverificatie voor je ${app}-account (${email}) is uitgezet: je authenticator-apps, telefoonnummer, passkeys en herstelcode zijn verwijderd. Bij het inloggen wordt niet meer om een tweede stap gevraagd.` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
    case 'recovery-requested':
      return {
        subject: `Er is een herstelverzoek gedaan voor je ${app}-account`,
        heading: 'Herstelverzoek ontvangen',
        blocks: [
          { type: 'p', text: `Iemand heeft gevraagd de tweestapsverificatie van je ${app}-account (${email}) opnieuw in te stellen, omdat de telefoon of authenticator-app kwijt is. Je beheerder (of de helpdesk) beslist; je krijgt een e-mail zodra dat gebeurd is.` },
          { type: 'p', text: `Het verzoek staat open tot ${dateOf('nl', message.expiresAt)}.` },
          { type: 'p', text: 'Was jij dit niet? Wijzig dan nu je wachtwoord en laat het je beheerder weten, zodat die het verzoek weigert.' },
        ],
      };
    case 'recovery-approved':
      return {
        subject: `Je herstelverzoek voor ${app} is goedgekeurd`,
        heading: 'Stel tweestapsverificatie opnieuw in',
        blocks: [
          { type: 'p', text: `Je verzoek om de tweestapsverificatie van je ${app}-account (${email}) opnieuw in te stellen is goedgekeurd. Log in met je wachtwoord en stel een nieuwe telefoon of authenticator-app in; je oude methoden werken dan niet meer.` },
          { type: 'button', label: 'Tweestapsverificatie instellen', href: assertWebLink(message.link) },
          { type: 'p', text: `De link werkt één keer, ${validFor('nl', message.expiresAt, now)} lang (tot ${dateOf('nl', message.expiresAt)}).` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
    case 'recovery-rejected':
      return {
        subject: `Je herstelverzoek voor ${app} is geweigerd`,
        heading: 'Herstelverzoek geweigerd',
        blocks: [
          { type: 'p', text: `Je verzoek om de tweestapsverificatie van je ${app}-account (${email}) opnieuw in te stellen is geweigerd. De opgegeven reden:` },
          { type: 'p', text: message.reason },
          { type: 'p', text: 'Je inlogmethoden blijven zoals ze waren. Vragen? Neem contact op met je beheerder.' },
        ],
      };
    case 'recovery-completed':
      return {
        subject: `Tweestapsverificatie voor je ${app}-account is opnieuw ingesteld`,
        heading: 'Tweestapsverificatie is opnieuw ingesteld',
        blocks: [
          { type: 'p', text: `De tweestapsverificatie van je ${app}-account (${email}) is opnieuw ingesteld na je herstelverzoek. Je vorige methoden werken niet meer en er is een nieuwe herstelcode gemaakt.` },
          { type: 'p', text: IF_NOT_YOU },
        ],
      };
  }
}

export const nl: Language = {
  template,
  footer: (app: string, email: string) => `Deze e-mail is door ${app} naar ${email} gestuurd.`,
  buttonFallback: 'Werkt de knop niet? Kopieer dan dit adres en plak het in je browser:',
};
