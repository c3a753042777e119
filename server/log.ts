export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** Fields must never carry passwords, codes, tokens, flow ids or whole email addresses. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
}

/** Structured JSON logs, one object a line, to a writer (stdout by default). */
export function createLogger(
  level: LogLevel | 'silent',
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
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
