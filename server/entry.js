// `login-flow/server` at run time. The server is TypeScript, compiled on import
// by tsx (a dependency); tsImport compiles only this import's module graph and
// leaves the host process's own module loading as it was.
import { tsImport } from 'tsx/esm/api';

const server = await tsImport('./index.ts', import.meta.url);

export const { createApp, ConfigError, loadConfig, SETTINGS, openStore, startServer } = server;
