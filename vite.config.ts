import { defineConfig } from 'vite';

/**
 * Two builds:
 * - `vite build` builds the demo host page into dist/demo;
 * - `vite build --mode widget` builds the embeddable script into dist/widget/login-flow.js
 *   (one ES module, Lit included: a host adds one script tag).
 * `vite` (dev) serves the demo with the API proxied to `npm start`'s server.
 */
export default defineConfig(({ mode }) =>
  mode === 'widget'
    ? {
        build: {
          outDir: 'dist/widget',
          emptyOutDir: true,
          target: 'es2022',
          // Not library mode: it leaves ES output unminified (for consumers'
          // tree-shaking), while this file is what browsers download.
          rollupOptions: {
            input: 'components/index.ts',
            preserveEntrySignatures: 'exports-only',
            output: { format: 'es', entryFileNames: 'login-flow.js' },
          },
        },
      }
    : {
        root: 'demo',
        build: { outDir: '../dist/demo', emptyOutDir: true, target: 'es2022' },
        server: {
          proxy: { '/api': 'http://localhost:3000', '/.well-known': 'http://localhost:3000', '/dev': 'http://localhost:3000' },
        },
      },
);
