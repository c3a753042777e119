// `login-flow/server` at run time. The server is TypeScript, compiled on import
// by tsx (a dependency); tsImport compiles only this import's module graph, with
// login-flow's own tsconfig.json (never the host's), and leaves the host
// process's own module loading as it was.
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const server = await tsImport('./index.ts', { parentURL: import.meta.url, tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });

// The names server/index.ts exports (test/e2e/examples.test.ts compares the two lists).
export const { createApp, ConfigError, loadConfig, SETTINGS, openStore, startServer } = server;
