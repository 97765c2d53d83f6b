import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Keys whose values are secrets wherever they appear in a logged object.
 * pino censors them before a line is written, so a careless `log.info(obj)`
 * cannot leak a password or token.
 */
export const SECRET_KEYS = [
  'password',
  'passphrase',
  'secret',
  'token',
  'authorization',
  'x-auth-token',
  'ipmi_password',
  'redfish_password',
  'agent_token',
];

const redactPaths = SECRET_KEYS.flatMap((k) => {
  const key = /^[a-z_]+$/.test(k) ? k : `["${k}"]`;
  const dot = key.startsWith('[') ? '' : '.';
  return [key, `*${dot}${key}`, `*.*${dot}${key}`, `req.headers${dot}${key}`];
});

export function createLogger(opts: { level?: string; name?: string; destination?: NodeJS.WritableStream | number } = {}): Logger {
  return pino(
    {
      name: opts.name ?? 'strata',
      level: opts.level ?? process.env.STRATA_LOG_LEVEL ?? 'info',
      redact: { paths: redactPaths, censor: '******' },
    },
    // Logs go to stderr: stdout belongs to command output.
    pino.destination({ dest: typeof opts.destination === 'number' ? opts.destination : 2, sync: false }),
  );
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
