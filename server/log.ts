export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** Fields must never carry passwords, codes, tokens, flow ids or whole email addresses. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
}

/**
 * Lines for stdout, written together once per turn of the event loop: a busy
 * server logs every request, and one write per line would be a system call
 * per line on the request's path (stdout to a pipe or file is synchronous).
 * Whatever is left is written as the process exits.
 */
function batchedStdout(): (line: string) => void {
  let pending: string[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const text = `${pending.join('\n')}\n`;
    pending = [];
    process.stdout.write(text);
  };
  process.on('exit', flush);
  return (line) => {
    if (pending.push(line) === 1) setImmediate(flush);
  };
}

let stdout: ((line: string) => void) | undefined;

/** Structured JSON logs, one object a line, to a writer (stdout, batched, by default). */
export function createLogger(level: LogLevel | 'silent', write: (line: string) => void = (stdout ??= batchedStdout())): Logger {
  return {
    log(messageLevel, message, fields = {}) {
      if (RANK[messageLevel] < RANK[level]) return;
      write(JSON.stringify({ time: new Date().toISOString(), level: messageLevel, msg: message, ...fields }));
    },
  };
}

/** "a•••@example.com": enough to tell accounts apart in a log, not enough to harvest. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${email[0]}•••${email.slice(at)}`;
}
