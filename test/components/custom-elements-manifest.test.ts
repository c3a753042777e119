import { expect } from '@open-wc/testing';
import * as accountModule from '../../components/account-security/index.js';
import * as loginModule from '../../components/index.js';
import { accountSecurityStyles, companySwitchStyles } from '../../components/account-security/styles.js';
import { loginFlowSheet } from '../../components/login-flow/styles.js';

/*
 * dist/custom-elements.json (written by `npm run build` from the doc comments)
 * against the elements as the browser runs them: the React and Vue
 * declarations are written from the manifest, so a manifest that lists an
 * attribute the element does not observe, or misses one it does, would type
 * hosts' code wrongly.
 */

interface ManifestElement {
  tagName: string;
  name: string;
  attributes?: { name: string; fieldName?: string }[];
  events?: { name: string; type?: { text: string } }[];
  members?: { kind: string; name: string }[];
  cssProperties?: { name: string }[];
}

async function manifestElements(): Promise<ManifestElement[]> {
  const response = await fetch('/dist/custom-elements.json');
  expect(response.ok, 'dist/custom-elements.json is missing: run `npm run build` first').to.equal(true);
  const manifest = (await response.json()) as { modules: { declarations?: (ManifestElement & { customElement?: boolean })[] }[] };
  return manifest.modules.flatMap((module) => module.declarations ?? []).filter((declaration) => declaration.customElement);
}

const exported: Record<string, unknown> = { ...loginModule, ...accountModule };

describe('the custom elements manifest', () => {
  it('lists the three public elements', async () => {
    const tags = (await manifestElements()).map((element) => element.tagName).sort();
    expect(tags).to.deep.equal(['account-security', 'company-switch', 'login-flow']);
  });

  it("lists exactly the attributes each element observes, each with the property it sets", async () => {
    for (const element of await manifestElements()) {
      const constructor = customElements.get(element.tagName) as (CustomElementConstructor & { observedAttributes: string[] }) | undefined;
      expect(constructor, element.tagName).to.not.equal(undefined);
      const attributes = element.attributes ?? [];
      expect(attributes.map((attribute) => attribute.name).sort(), element.tagName).to.deep.equal([...constructor!.observedAttributes].sort());
      const instance = document.createElement(element.tagName);
      for (const attribute of attributes) expect(attribute.fieldName! in instance, `${element.tagName}.${attribute.fieldName}`).to.equal(true);
    }
  });

  it('gives each documented event the exported class that dispatches it', async () => {
    for (const element of await manifestElements()) {
      expect(element.events?.length, element.tagName).to.be.greaterThan(0);
      for (const event of element.events ?? []) {
        const eventClass = exported[event.type?.text ?? ''] as { type?: string } | undefined;
        expect(eventClass?.type, `${element.tagName} ${event.name}`).to.equal(event.name);
      }
    }
  });

  it('lists public members only', async () => {
    const login = (await manifestElements()).find((element) => element.tagName === 'login-flow')!;
    const members = (login.members ?? []).map((member) => member.name);
    expect(members).to.include.members(['api', 'flow', 'token', 'lang', 'languageSwitch', 'autofocus', 'restart']);
    expect(members).to.not.include.members(['state', 'busy', 'banner', 'client']);
  });

  it('documents every CSS custom property a style sheet reads', async () => {
    const elements = await manifestElements();
    const documented = (tag: string) => new Set(elements.find((element) => element.tagName === tag)!.cssProperties!.map((property) => property.name));
    const login = documented('login-flow');
    const sheets: [string, CSSStyleSheet, Set<string>][] = [
      ['login-flow', loginFlowSheet(), login],
      // The account page and the switch document their own properties and refer to <login-flow>'s for the rest.
      ['account-security', accountSecurityStyles(), new Set([...login, ...documented('account-security')])],
      ['company-switch', companySwitchStyles(), new Set([...login, ...documented('company-switch')])],
    ];
    for (const [tag, sheet, names] of sheets) {
      const text = [...sheet.cssRules].map((rule) => rule.cssText).join('\n');
      const read = new Set(text.match(/var\(--lf-[a-z-]+/g)?.map((match) => match.slice(4)));
      expect(read.size, tag).to.be.greaterThan(0);
      for (const name of read) expect(names.has(name), `${tag}: ${name} is read by the style sheet but not documented`).to.equal(true);
    }
  });
});
