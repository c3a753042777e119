/*
 * The example apps (examples/plain, react, vue) as a web developer gets them:
 * the package packed with `npm pack`, unpacked into a fresh project's
 * node_modules (dist/examples/node_modules/login-flow), each example copied
 * beside it. From there the only `login-flow` Node or TypeScript can find is
 * the unpacked tarball; react, vue and the tools come from the repository's
 * own node_modules further up, so nothing is fetched from the network.
 *
 * Each example must type-check without a word, build with Vite, and sign in
 * on another site than the API, with its language and theme switches and the
 * account page, without one console warning; the JWT it receives verifies with
 * the package's `login-flow/verify`. Assumes `npm run build` has run.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { api, freePort, launchBrowser, startServer, tempDir, type ServerProcess } from './helpers.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const PROJECT = join(ROOT, 'dist/examples');
const EXAMPLES = ['plain', 'react', 'vue'] as const;
type Example = (typeof EXAMPLES)[number];
const PASSWORD = 'Correct-Horse-42-Battery';
const EMAIL = 'demo@example.com';
/** The dark theme's `--lf-color-surface` in every example. */
const DARK_SURFACE = 'rgb(16, 24, 40)';

interface Run {
  code: number | null;
  output: string;
}

/** Runs a program to its end; resolves with its exit code and everything it printed. */
function run(command: string, args: string[], { cwd = ROOT, env = {} }: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}`.trim() });
    });
  });
}

/** A tool's script in the repository's node_modules (`vite/bin/vite.js`), run with this Node. */
const tool = (path: string) => join(ROOT, 'node_modules', path);

/** The built example, served as files from its own origin. */
function serveBuilt(example: Example, port: number): Promise<Server> {
  const root = join(PROJECT, example, 'dist');
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://host').pathname;
    const file = join(root, path === '/' ? 'index.html' : path);
    if (!file.startsWith(root) || !existsSync(file) || !types[extname(file)]) {
      response.statusCode = 404;
      response.end();
      return;
    }
    response.setHeader('content-type', types[extname(file)]!);
    response.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

/** Every console error and warning, and every uncaught exception, of a page (but the browser's own look for a favicon the examples do not have). */
function collectProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.location().url.endsWith('/favicon.ico')) return;
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  return problems;
}

/**
 * dist/examples as a fresh project: its own package.json, the tarball exactly
 * as `npm pack` makes it (the build has run) unpacked into its node_modules as
 * npm would, and the examples' sources beside it.
 */
async function unpackFreshProject(): Promise<void> {
  rmSync(PROJECT, { recursive: true, force: true });
  const packed = join(tempDir(), 'pack');
  mkdirSync(packed);
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packed]);
  assert.equal(pack.code, 0, pack.output);
  const [{ filename }] = JSON.parse(pack.output.slice(pack.output.indexOf('['))) as [{ filename: string }];
  const unpacked = join(PROJECT, 'node_modules/login-flow');
  mkdirSync(unpacked, { recursive: true });
  const untar = await run('tar', ['-xzf', join(packed, filename), '-C', unpacked, '--strip-components=1']);
  assert.equal(untar.code, 0, untar.output);
  // Without a package.json of its own, Node would resolve `login-flow` in dist/examples
  // as the repository's self-reference instead of the unpacked tarball.
  writeFileSync(join(PROJECT, 'package.json'), JSON.stringify({ name: 'fresh-project', private: true, type: 'module' }));
  for (const example of EXAMPLES) {
    // What a developer copies: the sources, never a node_modules or build of their own.
    cpSync(join(ROOT, 'examples', example), join(PROJECT, example), { recursive: true, filter: (source) => !/[/\\](node_modules|dist)$/.test(source) });
  }
}

describe('the example apps, from the packed tarball in a fresh project', () => {
  let browser: Browser;
  let server: ServerProcess;
  const origins = {} as Record<Example | 'vue-dev', { port: number; url: string }>;

  before(async () => {
    // The JWTs' issuer is the API's own address, where a backend fetches the keys (PUBLIC_URL).
    const apiPort = await freePort();
    for (const name of [...EXAMPLES, 'vue-dev'] as const) {
      const port = await freePort();
      // The API is on localhost: 127.0.0.1 is another site, as a real host's page is.
      origins[name] = { port, url: `http://127.0.0.1:${port}` };
    }
    // Each is kept as it comes, so that `after` stops whatever started if another failed.
    await Promise.all([
      unpackFreshProject(),
      launchBrowser().then((launched) => (browser = launched)),
      startServer({
        ALLOWED_ORIGINS: Object.values(origins)
          .map(({ url }) => url)
          .join(','),
        SESSION_COOKIE: 'false',
        DEMO_PASSWORD: PASSWORD,
        MFA_REQUIRED_FROM: 'never',
        PUBLIC_URL: `http://localhost:${apiPort}`,
      }, { port: apiPort }).then((started) => (server = started)),
    ]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('packs a tarball whose login-flow/server starts the API in a fresh project', async () => {
    const program = `
      import * as library from 'login-flow/server';
      const { loadConfig, startServer } = library;
      const server = await startServer(loadConfig(process.env));
      console.log(JSON.stringify({ from: import.meta.resolve('login-flow/server'), url: server.url, exports: Object.keys(library).sort() }));
      process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));`;
    const port = await freePort();
    const child = spawn(process.execPath, ['--input-type=module', '--eval', program], {
      cwd: PROJECT,
      env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', PORT: String(port), DATA_DIR: tempDir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      let output = '';
      const started = await new Promise<{ from: string; url: string; exports: string[] }>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk;
          const line = output.split('\n').find((text) => text.startsWith('{'));
          if (line) resolve(JSON.parse(line) as { from: string; url: string; exports: string[] });
        });
        child.stderr.on('data', (chunk: Buffer) => (output += chunk));
        child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
      });
      assert.equal(started.from, pathToFileURL(join(PROJECT, 'node_modules/login-flow/server/entry.js')).href);
      // entry.js names what server/index.ts exports (its values; types have no run-time name).
      const source = readFileSync(join(ROOT, 'server/index.ts'), 'utf8');
      const declared = [...source.matchAll(/^export (?:\{([^}]*)\}|function (\w+))/gm)].flatMap(([, list, fn]) =>
        fn ? [fn] : list!.split(',').map((name) => name.trim()).filter((name) => name && !name.startsWith('type ')),
      );
      assert.deepEqual(started.exports, declared.sort());
      // In development, as here, `login-flow serve` creates the demo user; the library never does.
      assert.equal(output.includes('Demo user'), false, output);
      const health = await fetch(new URL('/api/health', started.url));
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok', store: 'ok' });
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it("type-checks a browser project against the elements' declarations alone: no Node types, no skipLibCheck", async () => {
    const dir = join(PROJECT, 'browser-only');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2023', 'DOM', 'DOM.Iterable'], types: [], strict: true, skipLibCheck: false, noEmit: true },
        files: ['main.ts'],
      }),
    );
    writeFileSync(
      join(dir, 'main.ts'),
      [
        "import 'login-flow/elements';",
        "import 'login-flow/account';",
        "import type { LoginFlowAttributes } from 'login-flow/elements';",
        "const attributes: LoginFlowAttributes = { api: 'https://auth.example.com', 'language-switch': true };",
        "document.querySelector('login-flow')?.addEventListener('lf-success', (event) => console.log(event.session.jwt, attributes));",
        "document.querySelector('account-security')?.addEventListener('account-security-change', (event) => console.log(event.kind));",
        '',
      ].join('\n'),
    );
    const check = await run(process.execPath, [tool('typescript/bin/tsc'), '-p', dir]);
    assert.deepEqual(check, { code: 0, output: '' });
  });

  it('type-checks the plain example with tsc, silently', async () => {
    const check = await run(process.execPath, [tool('typescript/bin/tsc'), '--noEmit', '-p', join(PROJECT, 'plain')]);
    assert.deepEqual(check, { code: 0, output: '' });
  });

  it('type-checks the React example with tsc, including the uses login-flow/react must refuse', async () => {
    const check = await run(process.execPath, [tool('typescript/bin/tsc'), '--noEmit', '-p', join(PROJECT, 'react')]);
    assert.deepEqual(check, { code: 0, output: '' });
  });

  it('type-checks the Vue example with vue-tsc, including the uses login-flow/vue must refuse', async () => {
    const check = await run(process.execPath, [tool('vue-tsc/bin/vue-tsc.js'), '--noEmit', '-p', join(PROJECT, 'vue')]);
    assert.deepEqual(check, { code: 0, output: '' });
  });

  for (const example of EXAMPLES) {
    it(`builds the ${example} example and signs in with it on another site: language, theme, account page, sign-out`, async () => {
      const build = await run(process.execPath, [tool('vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
        cwd: join(PROJECT, example),
        env: { VITE_LOGIN_FLOW_API: server.url },
      });
      assert.deepEqual(build, { code: 0, output: '' });
      const site = await serveBuilt(example, origins[example].port);
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const problems = collectProblems(page);
        await page.addInitScript(() => document.addEventListener('lf-success', (event) => ((window as unknown as { grant: unknown }).grant = event.session)));
        await page.goto(origins[example].url);
        await signInWithSwitches(page);
        const { token, jwt } = await page.evaluate(() => (window as unknown as { grant: { token: string; jwt: string } }).grant);
        assert.equal((await api(server.url, 'GET', '/api/session', { token })).status, 200);
        // The host's backend verifies the JWT with the package's verifier, against the API's published keys.
        const verified = await verifyWithPackage(jwt, server.url);
        assert.equal(verified.from, pathToFileURL(join(PROJECT, 'node_modules/login-flow/dist/verify/index.js')).href);
        assert.equal(verified.email, EMAIL);
        assert.deepEqual(verified.amr, ['pwd']);
        assert.equal((await verifyWithPackage(`${jwt.slice(0, -4)}AAAA`, server.url)).code, 'invalid');

        // Sign-out ends the session on the server, and a new flow starts, still in Dutch.
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.locator('login-flow').getByLabel('E-mailadres', { exact: true }).waitFor();
        assert.equal((await api(server.url, 'GET', '/api/session', { token })).status, 401);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
        site.close();
      }
    });
  }

  it('renders the elements as elements under the Vue dev server: no "Failed to resolve component"', async () => {
    const { createServer: createViteServer } = await import('vite');
    let vite: ViteDevServer | undefined;
    const context = await browser.newContext();
    try {
      process.env.VITE_LOGIN_FLOW_API = server.url;
      vite = await createViteServer({
        root: join(PROJECT, 'vue'),
        logLevel: 'warn',
        server: { host: '127.0.0.1', port: origins['vue-dev'].port, strictPort: true, hmr: false },
      });
      await vite.listen();
      const page = await context.newPage();
      const problems = collectProblems(page);
      await page.goto(origins['vue-dev'].url);
      await page.locator('login-flow').getByLabel('Email address', { exact: true }).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      delete process.env.VITE_LOGIN_FLOW_API;
      await context.close();
      await vite?.close();
    }
  });
});

/**
 * What a host's backend does with the JWT the page hands it: `verifySession`
 * from `login-flow/verify`, imported in a Node process of the fresh project,
 * so from the unpacked tarball. Resolves with the claims, or the refusal's code.
 */
async function verifyWithPackage(jwt: string, issuer: string): Promise<{ from?: string; email?: string; amr?: string[]; code?: string }> {
  const program = `
    import { verifySession } from 'login-flow/verify';
    const from = import.meta.resolve('login-flow/verify');
    try {
      const session = await verifySession(process.env.JWT, { issuer: process.env.ISSUER, audience: 'login-flow' });
      console.log(JSON.stringify({ from, email: session.email, amr: session.amr }));
    } catch (error) {
      console.log(JSON.stringify({ from, code: error.code }));
    }`;
  const result = await run(process.execPath, ['--input-type=module', '--eval', program], { cwd: PROJECT, env: { JWT: jwt, ISSUER: issuer } });
  assert.equal(result.code, 0, result.output);
  return JSON.parse(result.output) as { from?: string; email?: string; amr?: string[]; code?: string };
}

/**
 * On an example's page: the theme and language switches change the widget,
 * then email and password sign in, and the page shows who, the JWT's expiry
 * and the account page, in the language chosen.
 */
async function signInWithSwitches(page: Page): Promise<void> {
  const flow = page.locator('login-flow');
  const header = page.locator('header');
  await flow.getByLabel('Email address', { exact: true }).waitFor();

  const surface = () => flow.evaluate((element) => getComputedStyle(element).backgroundColor);
  assert.equal(await surface(), 'rgb(255, 255, 255)');
  await header.getByLabel('Theme').selectOption('dark');
  await page.waitForFunction((dark) => getComputedStyle(document.querySelector('login-flow')!).backgroundColor === dark, DARK_SURFACE);

  await header.getByLabel('Language').selectOption('nl');
  await flow.getByLabel('E-mailadres', { exact: true }).waitFor();
  assert.equal(await flow.getAttribute('lang'), 'nl');
  await header.getByLabel('Language').selectOption('en');

  await flow.getByLabel('Email address', { exact: true }).fill(EMAIL);
  await flow.getByRole('button', { name: 'Continue', exact: true }).click();
  await flow.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await flow.getByRole('button', { name: 'Sign in', exact: true }).click();

  await page.getByText(`Signed in as ${EMAIL}`, { exact: true }).waitFor();
  await page.getByText(/^JWT valid until \d{1,2}:\d\d:\d\d/).waitFor();
  const account = page.locator('account-security');
  await account.getByRole('heading', { name: `Security for ${EMAIL}` }).waitFor();
  await account.locator('[data-section=sessions]').getByText('This device').waitFor();
  await header.getByLabel('Language').selectOption('nl');
  await account.getByRole('heading', { name: `Beveiliging van ${EMAIL}` }).waitFor();
  assert.equal(await account.evaluate((element) => element.style.getPropertyValue('--lf-color-surface')), '#101828');
}
