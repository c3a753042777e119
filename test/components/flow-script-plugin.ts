import type { IncomingMessage } from 'node:http';
import type { FlowState } from '../../server/flows/protocol.js';

/** What the scripted flow API answers: `start` to `POST /api/flows/{kind}`, and one state per action. */
export interface FlowScript {
  start: FlowState;
  actions: Partial<Record<string, FlowState>>;
}

/** One action `<login-flow>` posted: its name and JSON body. */
export interface PostedAction {
  action: string;
  body: Record<string, unknown>;
}

interface ServeContext {
  method: string;
  path: string;
  req: IncomingMessage;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/**
 * A flow API that answers from a script, on the test page's own origin, for
 * the `<login-flow>` passkey tests while the real API learns passkeys: the
 * states follow `server/flows/protocol.ts`, the browser, the element and the
 * virtual authenticator are all real, and every action posted is recorded for
 * the test to read. Commands: `flow-script` (a `FlowScript`; clears the record)
 * and `flow-requests` (the `PostedAction`s since).
 */
export function flowScriptPlugin() {
  let script: FlowScript | undefined;
  let posted: PostedAction[] = [];
  return {
    name: 'login-flow-flow-script',
    async serve(context: ServeContext) {
      if (context.method !== 'POST' || !context.path.startsWith('/api/flows/')) return undefined;
      const body = await readJson(context.req);
      // /api/flows/{kind} starts; /api/flows/{id}/{action} acts.
      const [, , , , action] = context.path.split('/');
      if (!action) return { body: JSON.stringify(script?.start ?? { error: { code: 'not_found' } }), type: 'json' };
      posted.push({ action, body });
      const next = script?.actions[action];
      return { body: JSON.stringify(next ?? { error: { code: 'action_not_allowed' } }), type: 'json' };
    },
    executeCommand({ command, payload }: { command: string; payload?: FlowScript }) {
      if (command === 'flow-script') {
        script = payload;
        posted = [];
        return true;
      }
      if (command === 'flow-requests') return posted;
      return undefined;
    },
  };
}
