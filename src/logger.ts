import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

/** JSON logs for machines; the same logs made readable (pino-pretty) when a person is watching a terminal. */
export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>): Logger {
  return pino({
    level: config.logLevel,
    redact: ['req.headers.authorization'],
    ...(config.logFormat === 'pretty' && {
      transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    }),
  });
}
