import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAst, transformWithOxc } from 'vite';
import { collapseCss, collapseHtml, collapseTemplateWhitespace } from '../../vite.config.js';

/** One `html` or `css` template of a widget module, its static parts before and after the widget build collapses them. */
export interface CollapsedTemplate {
  file: string;
  tag: 'html' | 'css';
  before: string[];
  after: string[];
}

interface Quasi {
  start: number;
  end: number;
  value: { raw: string };
}

function templates(code: string): { tag: 'html' | 'css'; quasis: Quasi[] }[] {
  const found: { tag: 'html' | 'css'; quasis: Quasi[] }[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const { type, tag, quasi } = node as { type?: string; tag?: { name?: string }; quasi?: { quasis: Quasi[] } };
    if (type === 'TaggedTemplateExpression' && quasi && (tag?.name === 'html' || tag?.name === 'css')) found.push({ tag: tag.name, quasis: quasi.quasis });
    Object.values(node).forEach(walk);
  };
  walk(parseAst(code));
  return found;
}

/** The module with every template's static text taken out: what must not change. */
function withoutTemplateText(code: string): string {
  const quasis = templates(code)
    .flatMap((t) => t.quasis)
    .sort((a, b) => b.start - a.start);
  return quasis.reduce((out, { start, end }) => out.slice(0, start) + out.slice(end), code);
}

/**
 * Hands the widget build's template-whitespace collapsing (vite.config.ts) to
 * browser tests, which check its output the way only a browser can: the CSS
 * through the CSSOM, the HTML through the HTML parser. Commands:
 *
 * - `collapse-css` / `collapse-html` `{ text }` → the collapsed text
 * - `collapse-module` `{ code }` → `{ code }`: the module as the build emits it, or null when unchanged
 * - `collapse-widget` → every template of every module in components/, before and after,
 *   after checking that nothing outside the templates' static text changed
 */
export function templateWhitespacePlugin() {
  return {
    name: 'login-flow-template-whitespace-commands',
    async executeCommand({ command, payload }: { command: string; payload?: { text?: string; code?: string } }) {
      if (command === 'collapse-css') return collapseCss(payload?.text ?? '');
      if (command === 'collapse-html') return collapseHtml(payload?.text ?? '');
      // (A command must answer something other than null or undefined.)
      if (command === 'collapse-module') return { code: collapseTemplateWhitespace(payload?.code ?? '') ?? null };
      if (command !== 'collapse-widget') return undefined;
      const found: CollapsedTemplate[] = [];
      const files = (await readdir('components', { recursive: true })).filter((file) => file.endsWith('.ts')).sort();
      for (const file of files) {
        const path = join('components', file);
        // As Vite hands it to the plugin: TypeScript stripped, decorators lowered.
        const { code } = await transformWithOxc(await readFile(path, 'utf8'), path, { lang: 'ts', decorator: { legacy: true } });
        const collapsed = collapseTemplateWhitespace(code) ?? code;
        if (withoutTemplateText(collapsed) !== withoutTemplateText(code)) throw new Error(`${path}: collapsing changed more than template text`);
        const before = templates(code);
        const after = templates(collapsed);
        if (before.length !== after.length) throw new Error(`${path}: ${before.length} templates became ${after.length}`);
        before.forEach(({ tag, quasis }, index) =>
          found.push({ file: path, tag, before: quasis.map((q) => q.value.raw), after: after[index]!.quasis.map((q) => q.value.raw) }),
        );
      }
      return found;
    },
  };
}
