/**
 * strata-runtime's log, as runc writes it: to --log (or stderr), one line per
 * message, `--log-format json` as {"level","msg","time"}. podman and
 * containerd read the last error from it to tell the user why.
 */
import { appendFileSync } from 'node:fs';

export interface RuntimeLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function openLog(file: string | undefined, format: string | undefined): RuntimeLog {
  const write = (level: string, msg: string) => {
    const line = format === 'json' ? JSON.stringify({ level, msg, time: new Date().toISOString() }) : `${new Date().toISOString()} ${level}: ${msg}`;
    try {
      if (file) appendFileSync(file, line + '\n');
      else if (level !== 'info') process.stderr.write(`strata-runtime: ${level === 'error' ? '' : `${level}: `}${msg}\n`);
    } catch {
      /* a log that cannot be written must not fail the container */
    }
  };
  return { info: (m) => write('info', m), warn: (m) => write('warning', m), error: (m) => write('error', m) };
}
