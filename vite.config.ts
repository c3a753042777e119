import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { build as viteBuild, defineConfig, parseAst, type Plugin, type UserConfig } from 'vite';
import { iconPng, iconSvg } from './approver/icons.js';

/**
 * The widget's Lit `css` text with the whitespace a CSS parser ignores taken
 * out: comments go, runs of whitespace become one space, and the spaces beside
 * `{ } ; >` and after `:` go (CSS Syntax Level 3: whitespace tokens there carry
 * no meaning). A space before `:` stays: in a selector it is a descendant
 * combinator (`a :where(b)`). After a comma one space stays: in a `var()`
 * fallback it is part of the value the CSSOM keeps. Quoted strings are left
 * exactly as written. The result reads the same through the CSSOM (tested).
 */
export function collapseCss(text: string): string {
  return text
    .split(/('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")/)
    .map((part, index) =>
      index % 2
        ? part
        : part
            .replace(/\/\*[\s\S]*?\*\//g, '')
            .replace(/\s+/g, ' ')
            .replace(/ ?([{};>]) ?/g, '$1')
            .replace(/ ?, ?/g, ', ')
            .replace(/: /g, ':')
            .replace(/;}/g, '}'),
    )
    .join('');
}

/**
 * The widget's Lit `html` text with every run of whitespace that holds a line
 * break made one space: the indentation of the source. HTML renders such a
 * run as one space anyway (outside `<pre>` and `<textarea>`, which the widget
 * does not use), and between attributes any whitespace is one separator.
 */
export function collapseHtml(text: string): string {
  return text.replace(/[ \t\r\n\f]*\n[ \t\r\n\f]*/g, ' ');
}

interface Node {
  type: string;
  [key: string]: unknown;
}
interface Quasi {
  start: number;
  end: number;
  value: { raw: string };
}

/** Every `html` and `css` tagged template in a module, each with the collapsing that suits it. */
function taggedTemplates(node: unknown, found: { quasis: Quasi[]; collapse: (text: string) => string }[] = []) {
  if (!node || typeof node !== 'object') return found;
  if (Array.isArray(node)) {
    for (const child of node) taggedTemplates(child, found);
    return found;
  }
  const { type, tag, quasi } = node as Node & { tag?: { type: string; name?: string }; quasi?: { quasis: Quasi[] } };
  if (type === 'TaggedTemplateExpression' && tag?.type === 'Identifier' && quasi && (tag.name === 'html' || tag.name === 'css')) {
    found.push({ quasis: quasi.quasis, collapse: tag.name === 'css' ? collapseCss : collapseHtml });
  }
  for (const value of Object.values(node)) if (value && typeof value === 'object') taggedTemplates(value, found);
  return found;
}

/**
 * Rewrites a module's `html` and `css` literals with their whitespace
 * collapsed; `undefined` when nothing changes. Works on the JavaScript after
 * TypeScript is stripped, with the real parser (no regex over source), and
 * leaves alone any literal part with a backslash, so escapes keep their meaning.
 */
export function collapseTemplateWhitespace(code: string): string | undefined {
  const edits: { start: number; end: number; text: string }[] = [];
  for (const { quasis, collapse } of taggedTemplates(parseAst(code))) {
    for (const { start, end, value } of quasis) {
      if (value.raw.includes('\\') || code.slice(start, end) !== value.raw) continue;
      const text = collapse(value.raw);
      if (text !== value.raw) edits.push({ start, end, text });
    }
  }
  if (!edits.length) return undefined;
  let out = code;
  for (const { start, end, text } of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, start) + text + out.slice(end);
  return out;
}

/** Collapses the whitespace of the Lit templates in components/ for the widget build (see collapseTemplateWhitespace). */
export function templateWhitespacePlugin(): Plugin {
  return {
    name: 'login-flow-template-whitespace',
    apply: 'build',
    transform(code, id) {
      if (!/\/components\/.*\.[jt]s$/.test(id)) return null;
      const out = collapseTemplateWhitespace(code);
      return out === undefined ? null : { code: out, map: null };
    },
  };
}

/**
 * Vite wraps each dynamic `import()` in a helper that preloads the imported
 * chunk's own imports and CSS (about 0.7 KB gzip in the widget). The widget's
 * lazy chunks (the company steps, the 2FA set-up steps) import only
 * login-flow.js, which is already running, and have no CSS: the plain import
 * is all they need (test/e2e/embed.test.ts checks what they import).
 */
export function noPreloadPlugin(): Plugin {
  const helper = '\0vite/preload-helper.js';
  return {
    name: 'login-flow-no-preload',
    enforce: 'pre',
    apply: 'build',
    resolveId: (id) => (id === helper ? id : null),
    load: (id) => (id === helper ? 'export const __vitePreload = (load) => load();' : null),
  };
}

/** What the server sends compressed: text that browsers fetch. Images and fonts are compressed already. */
const COMPRESSIBLE = /\.(?:js|mjs|css|html|json|svg|webmanifest)$/;

/**
 * Writes `file.br` (brotli, quality 11) and `file.gz` (gzip, level 9) beside
 * every text file of a build, so the server sends the compressed bytes without
 * compressing per request (`server/routes/assets.ts`, and the demo's static files).
 */
export function precompressPlugin(): Plugin {
  return {
    name: 'login-flow-precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      const dir = options.dir!;
      for (const name of Object.keys(bundle)) {
        if (!COMPRESSIBLE.test(name)) continue;
        const path = join(dir, name);
        const raw = readFileSync(path);
        writeFileSync(`${path}.br`, brotliCompressSync(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length } }));
        writeFileSync(`${path}.gz`, gzipSync(raw, { level: 9 }));
      }
    },
  };
}

/**
 * The approver's files that no module imports: its web app manifest (checked
 * to be JSON, written compact) and its icons, drawn at build time
 * (approver/icons.ts). Emitted into the bundle, so precompressPlugin writes
 * their .br/.gz too, under the stable names the manifest and the page name.
 */
export function approverAssetsPlugin(): Plugin {
  return {
    name: 'login-flow-approver-assets',
    apply: 'build',
    generateBundle() {
      const manifest = JSON.parse(readFileSync('approver/manifest.webmanifest', 'utf8')) as unknown;
      this.emitFile({ type: 'asset', fileName: 'manifest.webmanifest', source: JSON.stringify(manifest) });
      this.emitFile({ type: 'asset', fileName: 'icon.svg', source: iconSvg() });
      for (const size of [192, 512]) this.emitFile({ type: 'asset', fileName: `icon-${size}.png`, source: iconPng(size) });
    },
  };
}

/**
 * Builds the approver's service worker into the same folder as `sw.js`, a
 * classic script in one file (module service workers are not yet everywhere:
 * Firefox lacks them), after the page's build: a second build, so the page
 * and the worker share no chunk even where they share modules.
 */
export function approverWorkerPlugin(): Plugin {
  return {
    name: 'login-flow-approver-worker',
    apply: 'build',
    async closeBundle() {
      await viteBuild({
        configFile: false,
        root: process.cwd(),
        logLevel: 'warn',
        publicDir: false,
        plugins: [precompressPlugin()],
        build: {
          outDir: 'dist/approver',
          emptyOutDir: false,
          target: 'es2022',
          copyPublicDir: false,
          rollupOptions: { input: 'approver/sw.ts', output: { format: 'iife', entryFileNames: 'sw.js' } },
        },
      });
    },
  };
}

/**
 * The approver (`vite build --mode approver`): the web app at /approve/ into
 * dist/approver, under names that do not change between releases (the page,
 * the service worker and the manifest refer to them; the server revalidates
 * them with ETags): index.html, approve.js, approve.css, sw.js,
 * manifest.webmanifest and the icons, each text file with .br and .gz beside it.
 */
const approverConfig: UserConfig = {
  root: 'approver',
  base: '/approve/',
  publicDir: false,
  plugins: [approverAssetsPlugin(), approverWorkerPlugin(), precompressPlugin()],
  build: {
    outDir: '../dist/approver',
    emptyOutDir: true,
    target: 'es2022',
    // One entry and no dynamic import: nothing to preload, and no polyfill for it.
    modulePreload: false,
    // The strict CSP allows data: images, but a file is as small and can be cached.
    assetsInlineLimit: 0,
    rollupOptions: {
      output: {
        entryFileNames: 'approve.js',
        chunkFileNames: 'approve-[name].js',
        assetFileNames: (asset) => (asset.names.some((name) => name.endsWith('.css')) ? 'approve.css' : '[name][extname]'),
      },
    },
  },
};

/**
 * Three builds:
 * - `vite build` builds the demo host page into dist/demo;
 * - `vite build --mode approver` builds the approver web app into dist/approver (see approverConfig);
 * - `vite build --mode widget` builds the embeddable script into dist/widget/login-flow.js
 *   (one ES module, Lit included: a host adds one script tag), and the account
 *   security page into dist/widget/account-security.js, which imports ./login-flow.js.
 * `vite` (dev) serves the demo with the API proxied to `npm start`'s server.
 */
export default defineConfig(({ command, mode }) => {
  // A build is always the production build: Lit's development build (its
  // warnings, its `development` export condition) is 13 KB larger, and the file
  // people download must not depend on what NODE_ENV the person who started
  // the server happened to set. Vite reads this after loading the config.
  if (command === 'build') process.env.NODE_ENV = 'production';
  if (mode === 'approver') return approverConfig;
  return mode === 'widget'
    ? {
        // About 0.3 KB gzip of indentation that neither the browser nor Lit needs: the budget is 20 KB.
        plugins: [templateWhitespacePlugin(), noPreloadPlugin(), precompressPlugin()],
        build: {
          outDir: 'dist/widget',
          emptyOutDir: true,
          target: 'es2022',
          // No list of each dynamic import's dependencies (`__vite__mapDeps`): noPreloadPlugin's helper never reads it.
          modulePreload: false,
          // Not library mode: it leaves ES output unminified (for consumers'
          // tree-shaking), while this file is what browsers download.
          rollupOptions: {
            // account-security imports the login entry, so Rollup keeps Lit and the whole
            // login widget in login-flow.js (exporting what the account page uses) and
            // account-security.js holds only the page: a login-only host downloads one file.
            input: { 'login-flow': 'components/index.ts', 'account-security': 'components/account-security/index.ts' },
            preserveEntrySignatures: 'allow-extension',
            output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
          },
        },
      }
    : {
        root: 'demo',
        plugins: [precompressPlugin()],
        build: { outDir: '../dist/demo', emptyOutDir: true, target: 'es2022' },
        server: {
          proxy: { '/api': 'http://localhost:3000', '/.well-known': 'http://localhost:3000', '/dev': 'http://localhost:3000' },
        },
      };
});
