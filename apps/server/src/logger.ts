import type { Logger } from 'pino';
import pino from 'pino';
import type { Config } from './config/index.js';

export type { Logger };

/**
 * pino, shaped by IMGPROXY_LOG_FORMAT: `json` and `structured` are JSON lines (structured keeps
 * imgproxy's `msg`/`level` names), `gcp` uses Cloud Logging's `severity`/`message`, `pretty` is for
 * a terminal (pino-pretty, synchronous so lines are never lost on exit).
 */
export function createLogger(
  config: Pick<Config, 'IMGPROXY_LOG_FORMAT' | 'IMGPROXY_LOG_LEVEL'>,
  destination?: pino.DestinationStream,
): Logger {
  const level = config.IMGPROXY_LOG_LEVEL;
  const base = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  switch (config.IMGPROXY_LOG_FORMAT) {
    case 'gcp':
      return pino(
        {
          ...base,
          messageKey: 'message',
          formatters: { level: (label) => ({ severity: label.toUpperCase() }) },
        },
        destination,
      );
    case 'pretty':
      if (!destination && process.stdout.isTTY) {
        return pino({ ...base, transport: { target: 'pino-pretty', options: { sync: true } } });
      }
      return pino({ ...base, formatters: { level: (label) => ({ level: label }) } }, destination);
    default:
      return pino({ ...base, formatters: { level: (label) => ({ level: label }) } }, destination);
  }
}
