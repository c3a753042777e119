/**
 * Writes the framework declarations of the public elements from the Custom
 * Elements Manifest (`dist/custom-elements.json`, written by `cem analyze`
 * from the elements' doc comments), so they cannot drift from the elements:
 *
 * - dist/types/elements.d.ts: per element, its attributes (typed by the class
 *   property each one sets) and its events (typed by their classes), for any
 *   framework's own declarations (Svelte, Solid, Preact); `login-flow/elements`
 *   exports them beside the widget's own (dist/types/entry-elements.d.ts);
 * - dist/types/react.d.ts: React 19 JSX, attributes and `onlf-*` events;
 * - dist/types/vue.d.ts and dist/kit/vue.js: Vue 3 `GlobalComponents`, and
 *   `isCustomElement` for the Vue compiler's options.
 *
 * Run by `npm run build` after `tsc -p tsconfig.types.json` and `cem analyze`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface ManifestType {
  text: string;
}
interface Attribute {
  name: string;
  fieldName?: string;
  description?: string;
  type?: ManifestType;
}
interface ManifestEvent {
  name: string;
  description?: string;
  type?: ManifestType;
}
interface Declaration {
  kind: string;
  name: string;
  customElement?: boolean;
  tagName?: string;
  summary?: string;
  attributes?: Attribute[];
  events?: ManifestEvent[];
}
interface Manifest {
  modules: { path: string; declarations?: Declaration[] }[];
}

export interface ElementEntry {
  tag: string;
  className: string;
  /** The module declaring the class, relative to the package root (`components/…ts`). */
  module: string;
  summary: string;
  attributes: { name: string; property: string; description: string }[];
  events: { name: string; className: string; module: string; description: string }[];
}

/** The public elements, as the manifest describes them. */
export function elementsOf(manifest: Manifest): ElementEntry[] {
  const classModule = new Map<string, string>();
  for (const module of manifest.modules) for (const declaration of module.declarations ?? []) if (declaration.kind === 'class') classModule.set(declaration.name, module.path);
  const entries: ElementEntry[] = [];
  for (const module of manifest.modules) {
    for (const declaration of module.declarations ?? []) {
      if (!declaration.customElement || !declaration.tagName) continue;
      entries.push({
        tag: declaration.tagName,
        className: declaration.name,
        module: module.path,
        summary: declaration.summary ?? '',
        attributes: (declaration.attributes ?? []).map((attribute) => ({ name: attribute.name, property: attribute.fieldName ?? attribute.name, description: attribute.description ?? '' })),
        events: (declaration.events ?? []).map((event) => {
          const className = event.type?.text;
          const eventModule = className && classModule.get(className);
          if (!className || !eventModule) throw new Error(`${declaration.tagName}: event ${event.name} has no class in the manifest`);
          return { name: event.name, className, module: eventModule, description: event.description ?? '' };
        }),
      });
    }
  }
  return entries.sort((a, b) => a.tag.localeCompare(b.tag));
}

const pascal = (tag: string) => tag.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
const doc = (text: string, indent: string) => (text ? `${indent}/** ${text.replace(/\s*\n\s*/g, ' ').replace(/\*\//g, '*\\/')} */\n` : '');
const key = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : `'${name}'`);
/** `components/login-flow/login-flow.ts` as imported from dist/types/: `./components/login-flow/login-flow.js`. */
const typesImport = (module: string) => `./${module.replace(/\.ts$/, '.js')}`;

function importsOf(elements: ElementEntry[]): string {
  const byModule = new Map<string, Set<string>>();
  const add = (module: string, name: string) => byModule.set(module, (byModule.get(module) ?? new Set()).add(name));
  for (const element of elements) {
    add(element.module, element.className);
    for (const event of element.events) add(event.module, event.className);
  }
  return [...byModule].map(([module, names]) => `import type { ${[...names].sort().join(', ')} } from '${typesImport(module)}';\n`).join('');
}

export function elementsDeclaration(elements: ElementEntry[]): string {
  let out = '// Written by tools/element-types.ts from dist/custom-elements.json: do not edit.\n';
  out += importsOf(elements);
  for (const element of elements) {
    const name = pascal(element.tag);
    out += `\n/** The attributes of \`<${element.tag}>\`, each typed as the property it sets. */\nexport interface ${name}Attributes {\n`;
    for (const attribute of element.attributes) out += doc(attribute.description, '  ') + `  ${key(attribute.name)}?: ${element.className}['${attribute.property}'];\n`;
    out += `}\n\n/** The same, by the name of the property each attribute sets (for frameworks that bind properties by name, such as Vue). */\nexport interface ${name}Properties {\n`;
    for (const attribute of element.attributes) out += doc(attribute.description, '  ') + `  ${key(attribute.property)}?: ${element.className}['${attribute.property}'];\n`;
    out += `}\n\n/** The events \`<${element.tag}>\` dispatches, by type. */\nexport interface ${name}Events {\n`;
    for (const event of element.events) out += doc(event.description, '  ') + `  ${key(event.name)}: ${event.className};\n`;
    out += '}\n';
  }
  out += `\n/** Every public element: its class, attributes and events. */\nexport interface LoginFlowElements {\n`;
  for (const element of elements) {
    const name = pascal(element.tag);
    out += `  '${element.tag}': { element: ${element.className}; attributes: ${name}Attributes; properties: ${name}Properties; events: ${name}Events };\n`;
  }
  return out + '}\n\n/** The tag names of the public elements. */\nexport type LoginFlowTagName = keyof LoginFlowElements;\n';
}

export function reactDeclaration(elements: ElementEntry[]): string {
  return `// Written by tools/element-types.ts from dist/custom-elements.json: do not edit.
// React 19 passes the attributes to the element and listens to \`onlf-success\` and
// the like as the \`lf-success\` event: https://react.dev/reference/react-dom/components#custom-html-elements
import type { HTMLAttributes, RefAttributes } from 'react';
import type { LoginFlowElements } from './elements.js';

export type * from './elements.js';

/** React's listener props for an element's events: \`onlf-success\` for \`lf-success\`. */
export type ReactEventProps<Events> = { [Type in keyof Events & string as \`on\${Type}\`]?: (event: Events[Type]) => void };

/** The props of one element in JSX. */
export type ReactElementProps<Tag extends keyof LoginFlowElements> = HTMLAttributes<LoginFlowElements[Tag]['element']> &
  RefAttributes<LoginFlowElements[Tag]['element']> &
  LoginFlowElements[Tag]['attributes'] &
  ReactEventProps<LoginFlowElements[Tag]['events']> & { children?: never };

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
${elements.map((element) => doc(element.summary, '      ') + `      '${element.tag}': ReactElementProps<'${element.tag}'>;`).join('\n')}
    }
  }
}
`;
}

export function vueDeclaration(elements: ElementEntry[]): string {
  return `// Written by tools/element-types.ts from dist/custom-elements.json: do not edit.
// Vue 3: the elements' attributes and events in templates, for vue-tsc and editors
// (https://vuejs.org/guide/extras/web-components#web-components-and-typescript).
import type { EmitFn, HTMLAttributes, PublicProps } from 'vue';
import type { LoginFlowElements, LoginFlowTagName } from './elements.js';

export type * from './elements.js';

/**
 * An element as Vue's template checker sees a component: its props and its
 * events. The props are keyed by property name (\`languageSwitch\`): vue-tsc
 * matches a template's \`language-switch\` to \`languageSwitch\`, never to a
 * kebab-case key.
 */
export type VueCustomElement<Tag extends keyof LoginFlowElements> = new () => LoginFlowElements[Tag]['element'] & {
  /** For template type checking only: not a property of the element. */
  $props: HTMLAttributes & LoginFlowElements[Tag]['properties'] & PublicProps;
  /** For template type checking only: not a property of the element. */
  $emit: EmitFn<{ [Type in keyof LoginFlowElements[Tag]['events']]: (event: LoginFlowElements[Tag]['events'][Type]) => void }>;
};

declare module 'vue' {
  interface GlobalComponents {
${elements.map((element) => `    '${element.tag}': VueCustomElement<'${element.tag}'>;`).join('\n')}
  }
}

/**
 * For \`compilerOptions.isCustomElement\` (in \`@vitejs/plugin-vue\`'s
 * \`template\` options): true for the login-flow elements, so Vue renders them
 * as elements instead of looking for components of that name.
 */
export declare function isCustomElement(tag: string): tag is LoginFlowTagName;
`;
}

export function vueModule(elements: ElementEntry[]): string {
  return `// Written by tools/element-types.ts from dist/custom-elements.json: do not edit.
const TAGS = new Set(${JSON.stringify(elements.map((element) => element.tag))});

/** For Vue's \`compilerOptions.isCustomElement\`: true for the login-flow elements. */
export function isCustomElement(tag) {
  return TAGS.has(tag);
}
`;
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`wrote ${relative(process.cwd(), path)}`);
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const elements = elementsOf(JSON.parse(readFileSync(join(root, 'dist/custom-elements.json'), 'utf8')) as Manifest);
  if (elements.length === 0) throw new Error('dist/custom-elements.json lists no elements');
  write(join(root, 'dist/types/elements.d.ts'), elementsDeclaration(elements));
  write(join(root, 'dist/types/entry-elements.d.ts'), "// `login-flow/elements`: the widget's own declarations and the elements' attribute and event maps.\nexport * from './components/index.js';\nexport type * from './elements.js';\n");
  write(join(root, 'dist/types/react.d.ts'), reactDeclaration(elements));
  write(join(root, 'dist/types/vue.d.ts'), vueDeclaration(elements));
  write(join(root, 'dist/kit/vue.js'), vueModule(elements));
  write(join(root, 'dist/kit/react.js'), '// Types only: see react.d.ts. Importing this module does nothing.\nexport {};\n');
}
