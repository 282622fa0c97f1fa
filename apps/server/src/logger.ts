import type { Logger } from 'pino';
import pino from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config/index.js';

export type { Logger };

/** imgproxy's level names, which log pipelines built for it match on. */
const LEVEL_NAMES: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};
const levelName = (label: string) => LEVEL_NAMES[label] ?? label.toUpperCase();

/**
 * pino, shaped by IMGPROXY_LOG_FORMAT as imgproxy shapes its lines:
 * - `structured`: logfmt, `time="2006-01-02 15:04:05" level="INFO" msg="..." key=value`;
 * - `json`: one JSON object a line with `time` (RFC 3339), `level` and `msg`;
 * - `gcp`: JSON with Cloud Logging's `severity` and `message`;
 * - `pretty`: for people (pino-pretty, coloured on a terminal, synchronous so no line is lost on exit).
 */
export function createLogger(
  config: Pick<Config, 'IMGPROXY_LOG_FORMAT' | 'IMGPROXY_LOG_LEVEL'>,
  destination?: pino.DestinationStream,
): Logger {
  const base = { level: config.IMGPROXY_LOG_LEVEL, base: undefined };
  // pino-pretty needs a whole stream (it listens on it); the machine formats get the batching.
  const stdout = () => pino.destination({ dest: 1, sync: true });
  const out = destination ?? (config.IMGPROXY_LOG_FORMAT === 'pretty' ? stdout() : batched(stdout()));
  switch (config.IMGPROXY_LOG_FORMAT) {
    case 'gcp':
      return pino(
        {
          ...base,
          timestamp: pino.stdTimeFunctions.isoTime,
          messageKey: 'message',
          formatters: { level: (label) => ({ severity: levelName(label) }) },
        },
        out,
      );
    case 'json':
      return pino(
        {
          ...base,
          timestamp: pino.stdTimeFunctions.isoTime,
          formatters: { level: (label) => ({ level: levelName(label) }) },
        },
        out,
      );
    case 'pretty':
      return pino(
        base,
        pretty({
          sync: true,
          singleLine: true,
          colorize: destination === undefined && process.stdout.isTTY,
          destination: out as NodeJS.WritableStream,
        }),
      );
    default:
      // Why a hook: pino would serialize each line to JSON, which logfmt would then parse back;
      // the line is built once, from what the call was given (a tenth of a cache hit's CPU).
      return pino(
        {
          ...base,
          hooks: {
            logMethod(args, _method, level) {
              out.write(logfmtLine(Date.now(), pino.levels.labels[level] ?? String(level), args));
            },
          },
        },
        out,
      );
  }
}

/** Writes of up to this many bytes to a pipe are atomic (POSIX PIPE_BUF; 4096 on Linux). */
const PIPE_BUF = 4096;

/**
 * Lines logged in one turn of the event loop go out in one write, at the end of the turn (and at
 * exit). Why: under load most turns answer several requests, and one write per line was a tenth of a
 * cache hit's CPU. Each write holds whole lines and at most PIPE_BUF bytes (a longer line alone), so
 * the lines of several processes sharing one stdout (IMGPROXY_PROCESSES) never interleave.
 */
export function batched(destination: pino.DestinationStream): pino.DestinationStream {
  let pending = '';
  let bytes = 0;
  const flush = () => {
    if (pending === '') return;
    const lines = pending;
    pending = '';
    bytes = 0;
    destination.write(lines);
  };
  process.on('exit', flush);
  return {
    write(line: string) {
      const size = Buffer.byteLength(line);
      if (bytes + size > PIPE_BUF) flush();
      if (pending === '') setImmediate(flush);
      pending += line;
      bytes += size;
    },
  };
}

/**
 * One logfmt line from a pino call's arguments: `(fields, message)`, `(message)` or `(error,
 * message)`. Errors are written as pino serializes them (type, message, stack, own fields).
 */
function logfmtLine(time: number, label: string, args: unknown[]): string {
  const [first, second] = args;
  const isFields = typeof first === 'object' && first !== null;
  const fields = first instanceof Error ? { err: first } : isFields ? (first as Record<string, unknown>) : {};
  const msg = first instanceof Error ? (second ?? first.message) : isFields ? second : first;
  let line = `time=${formatTime(time)} level=${JSON.stringify(levelName(label))}`;
  line += ` msg=${JSON.stringify(String(msg ?? ''))}`;
  return `${line}${logfmtFields(fields, '')}\n`;
}

/** ` key=value` pairs; nested objects (an error, say) become dotted keys, as imgproxy writes its groups. */
function logfmtFields(o: Record<string, unknown>, prefix: string): string {
  let out = '';
  for (const key in o) {
    if (!Object.hasOwn(o, key)) continue;
    const value = o[key];
    if (value instanceof Error) {
      out += logfmtFields(
        pino.stdSerializers.err(value) as unknown as Record<string, unknown>,
        `${prefix}${key}.`,
      );
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out += logfmtFields(value as Record<string, unknown>, `${prefix}${key}.`);
    } else if (value !== undefined) {
      out += ` ${prefix}${key}=${logfmtValue(value)}`;
    }
  }
  return out;
}

const logfmtValue = (v: unknown) =>
  typeof v === 'number' || typeof v === 'boolean'
    ? String(v)
    : JSON.stringify(typeof v === 'string' ? v : String(v));

let lastSecond = Number.NaN;
let lastTime = '';

/** Local time as `"2006-01-02 15:04:05"` (quoted), imgproxy's structured timestamp; made once a second. */
function formatTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second === lastSecond) return lastTime;
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  lastSecond = second;
  lastTime = `"${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}"`;
  return lastTime;
}
