import type { Translate } from '../../lib/i18n.js';

/**
 * The words of "one tap next time", the passkey offered after a sign-in with
 * a password. They ship in the offer's chunk (passkey-offer.ts), which adds
 * them to the widget's catalogues when it loads. Glossary as in
 * setup-messages.ts: sign in / inloggen, passkey, Face ID.
 */
interface OfferCatalogue {
  title_offer: string;
  intro_offer: string;
  action_offer_accept: string;
  action_offer_later: string;
  action_offer_never: string;
  offer_added: string;
  offer_failed: string;
  offer_never: string;
}

export type OfferMessageKey = keyof OfferCatalogue;
/** The translator the offer receives: `<login-flow>`'s, which knows these keys once the chunk is in. */
export type OfferTranslate = Translate<OfferMessageKey>;

const en: OfferCatalogue = {
  title_offer: 'Sign in with your fingerprint or face next time?',
  intro_offer: 'This device can keep a passkey for you: no password to type, just Face ID, your fingerprint or your screen lock.',
  action_offer_accept: 'Yes, set it up',
  action_offer_later: 'Not now',
  action_offer_never: "Don't ask again",
  offer_added: 'Next time, sign in with your fingerprint or face.',
  offer_failed: 'No passkey was added. You are signed in all the same, and you can add one later in your security settings.',
  offer_never: 'We will not ask again on this browser.',
};

const nl: OfferCatalogue = {
  title_offer: 'Volgende keer inloggen met je vingerafdruk of gezicht?',
  intro_offer: 'Dit apparaat kan een passkey voor je bewaren: geen wachtwoord meer typen, alleen Face ID, je vingerafdruk of je schermvergrendeling.',
  action_offer_accept: 'Ja, instellen',
  action_offer_later: 'Nu niet',
  action_offer_never: 'Niet meer vragen',
  offer_added: 'Log de volgende keer in met je vingerafdruk of gezicht.',
  offer_failed: 'Er is geen passkey toegevoegd. Je bent gewoon ingelogd; je kunt er later een toevoegen bij je beveiligingsinstellingen.',
  offer_never: 'We vragen het niet meer in deze browser.',
};

export const OFFER_MESSAGES = { en, nl } as const;
