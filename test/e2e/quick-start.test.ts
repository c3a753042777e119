/*
 * The README's quick start, as a new user runs it: `npm start` (after the
 * `npm ci` that .ci/run runs on a fresh clone) builds, serves the demo and the
 * widget on PORT, and prints the demo user.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { freePort, tempDir } from './helpers.js';

const ROOT = new URL('../../', import.meta.url).pathname;

describe('npm start, the README way', () => {
  let group: number | undefined;
  after(() => {
    // npm runs the build and the server as children: end the whole group.
    if (group) process.kill(-group, 'SIGTERM');
  });

  it('answers on its port with the demo and the compressed widget, whatever NODE_ENV says', async () => {
    const port = await freePort();
    // NODE_ENV=development is the documented default: it must not change the build.
    const { DEMO_PASSWORD: _chosen, ...inherited } = process.env;
    const child = spawn('npm', ['start'], {
      cwd: ROOT,
      env: { ...inherited, PORT: String(port), DATA_DIR: tempDir(), NODE_ENV: 'development' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    group = child.pid;
    const output: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output.push(...chunk.toString().split('\n'));
        if (output.some((line) => line.startsWith('login-flow listening on'))) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output.join('\n')}`)));
    });
    assert.ok(output.some((line) => /^Demo user created: demo@example\.com\s+password: \S+/.test(line)), output.join('\n'));

    const url = `http://localhost:${port}`;
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<login-flow/);
    const widget = await fetch(`${url}/login-flow.js`, { headers: { 'accept-encoding': 'br' } });
    assert.equal(widget.headers.get('content-encoding'), 'br');
    const raw = await fetch(`${url}/login-flow.js`, { headers: { 'accept-encoding': 'identity' } });
    const text = await raw.text();
    // Lit's development build warns through `console.warn` about dev mode; the production build has no such text.
    assert.doesNotMatch(text, /Lit is in dev mode/);
    assert.ok(text.length < 75_000, `${text.length} bytes: the production build`);
    const health = await fetch(`${url}/api/health`);
    assert.equal(health.status, 200);
  });
});
