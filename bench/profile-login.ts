/*
 * Main-thread CPU of complete logins in one process, without HTTP: where the
 * time outside the password hash goes. `node --import tsx bench/profile-login.ts [N]`
 * (add --cpu-prof for a profile).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { createApp } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { openStore } from '../server/store/index.js';
import { createUser } from '../server/users.js';
import { beginTotpEnrolment } from '../server/factors/totp-enrolment.js';

const N = Number(process.argv[2] ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'lf-prof-'));
const config = loadConfig({ DATA_DIR: dir, NODE_ENV: 'test', LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', MFA_REQUIRED_FROM: 'never', PASSKEYS: 'false', SMS: 'off', IP_MAX_FLOWS: '100000' });
const db = await openStore(config);
let clock = Date.UTC(2031, 0, 15, 9, 0, 0);
const { app, context } = createApp({ config, db, now: () => clock, log: { log() {} } });
const PASSWORD = 'Correct-Horse-42-Battery';
const users: { email: string; secret: string }[] = [];
for (let i = 0; i < 20; i++) {
  const email = `p${i}@example.com`;
  const user = await createUser(db, config, { email, password: PASSWORD, now: clock });
  const { credentialId, secret } = await beginTotpEnrolment(context, user.id, clock);
  await db.updateTable('credentials').set({ confirmed_at: clock }).where('id', '=', credentialId).execute();
  users.push({ email, secret });
}
const post = async (path: string, body: unknown, id?: string) => {
  const response = await app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...(id ? { 'x-flow-id': id } : {}) }, body: JSON.stringify(body) });
  return (await response.json()) as { id: string; step: string };
};
const mainTicks = (): number => {
  const fields = readFileSync(`/proc/${process.pid}/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
};
const login = async (i: number) => {
  const user = users[i % users.length]!;
  const flow = await post('/api/flows/login', {});
  await post('/api/flows/-/email', { email: user.email }, flow.id);
  const second = await post('/api/flows/-/password', { password: PASSWORD }, flow.id);
  if (second.step !== 'second-factor') throw new Error(JSON.stringify(second));
  const code = new TOTP({ secret: Secret.fromBase32(user.secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: clock });
  const done = await post('/api/flows/-/totp', { code }, flow.id);
  if (done.step !== 'done') throw new Error(JSON.stringify(done));
};
for (let i = 0; i < 40; i++) {
  await login(i);
  if (i % users.length === users.length - 1) clock += 30_000;
}
const ticks = mainTicks();
const cpu = process.cpuUsage();
for (let i = 0; i < N; i++) {
  await login(i);
  if (i % users.length === users.length - 1) clock += 30_000;
}
const all = process.cpuUsage(cpu);
console.log(`${N} logins: main thread ${(((mainTicks() - ticks) * 10) / N).toFixed(2)} ms/login, process ${((all.user + all.system) / 1000 / N).toFixed(2)} ms/login`);
