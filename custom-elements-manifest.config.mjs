/*
 * The Custom Elements Manifest (dist/custom-elements.json) of the three
 * elements a host uses: `npm run build` writes it from their doc comments,
 * and tools/element-types.ts derives the React and Vue declarations from it.
 */

/** Names in a class's `static properties = { name: { state: true } }`: internal state, not attributes. */
const stateNames = new Map();
/** Event class name to its event type (`static readonly type = 'lf-success'`). */
const eventTypes = new Map();

const EVENT_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$/;

/**
 * Lit's `static properties` with `state: true` are state, not attributes; the
 * analyzer reads `this.dispatchEvent(new X(...))` as nameless events. This
 * plugin drops both and gives each documented event (`@event`) its class.
 */
function loginFlowPlugin() {
  return {
    name: 'login-flow-elements',
    analyzePhase({ ts, node }) {
      if (!ts.isClassDeclaration(node) || !node.name) return;
      const className = node.name.text;
      for (const member of node.members) {
        if (!ts.isPropertyDeclaration(member) || !member.initializer || !member.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword)) continue;
        const name = member.name.getText();
        if (name === 'type' && ts.isStringLiteral(member.initializer)) eventTypes.set(className, member.initializer.text);
        if (name === 'properties' && ts.isObjectLiteralExpression(member.initializer)) {
          const states = new Set();
          for (const property of member.initializer.properties) {
            if (!ts.isPropertyAssignment(property) || !ts.isObjectLiteralExpression(property.initializer)) continue;
            const isState = property.initializer.properties.some((option) => ts.isPropertyAssignment(option) && option.name.getText() === 'state' && option.initializer.kind === ts.SyntaxKind.TrueKeyword);
            if (isState) states.add(property.name.getText());
          }
          stateNames.set(className, states);
        }
      }
    },
    packageLinkPhase({ customElementsManifest }) {
      for (const module of customElementsManifest.modules) {
        for (const declaration of module.declarations ?? []) {
          if (!declaration.customElement) continue;
          const states = stateNames.get(declaration.name) ?? new Set();
          declaration.attributes = (declaration.attributes ?? []).filter((attribute) => !states.has(attribute.fieldName ?? attribute.name));
          declaration.members = (declaration.members ?? []).filter((member) => !states.has(member.name) && member.privacy !== 'private' && member.privacy !== 'protected');
          const dispatched = (declaration.events ?? []).map((event) => event.type?.text).filter((text) => eventTypes.has(text));
          declaration.events = (declaration.events ?? [])
            .filter((event) => EVENT_NAME.test(event.name ?? ''))
            .map((event) => {
              const eventClass = dispatched.find((text) => eventTypes.get(text) === event.name) ?? [...eventTypes].find(([, type]) => type === event.name)?.[0];
              return eventClass ? { ...event, type: { text: eventClass } } : event;
            });
        }
      }
    },
  };
}

export default {
  globs: [
    'components/index.ts',
    'components/login-flow/login-flow.ts',
    'components/lib/events.ts',
    'components/account-security/index.ts',
    'components/account-security/account-security.ts',
    'components/account-security/company-switch.ts',
    'components/account-security/events.ts',
  ],
  outdir: 'dist',
  litelement: true,
  packagejson: false,
  plugins: [loginFlowPlugin()],
};
