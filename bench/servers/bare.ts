// The baseline: a bare Hono JSON handler on @hono/node-server that parses the
// JSON body and answers JSON, nothing else.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('/json', async (c) => c.json({ ok: true, received: await c.req.json() }, 201));
serve({ fetch: app.fetch, port: Number(process.argv[2]), hostname: 'localhost' }, () => console.log('listening'));
