// Component tests in Debian's Chromium, against the real API server.
// Run through tsx (see package.json) so this file can start the TypeScript server in-process.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { loginFlowApiPlugin } from './test/components/api-plugin.ts';
import { templateWhitespacePlugin } from './test/components/template-whitespace-plugin.ts';
import { webauthnPlugin } from './test/components/webauthn-plugin.ts';

const chromium = process.env.CHROME_PATH ?? '/usr/bin/chromium';

export default {
  files: ['test/components/**/*.test.ts'],
  nodeResolve: true,
  filterBrowserLogs: ({ args }) => !String(args[0]).includes('Lit is in dev mode'),
  concurrency: 1,
  testFramework: { config: { timeout: 10000 } },
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath: chromium,
        args: ['--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      },
    }),
  ],
  plugins: [esbuildPlugin({ ts: true, tsconfig: './tsconfig.json' }), loginFlowApiPlugin(), webauthnPlugin(), templateWhitespacePlugin()],
};
