import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batched, createLogger } from './logger.js';
import { startTestServer, type TestServer } from './test/server.js';

const samples = new URL('../../../samples', import.meta.url).pathname;

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, stream };
}

type Format = 'structured' | 'json' | 'gcp' | 'pretty';
const logWith = (format: Format, level: 'debug' | 'info' | 'warn' | 'error' = 'info') => {
  const { lines, stream } = capture();
  const log = createLogger({ IMGPROXY_LOG_FORMAT: format, IMGPROXY_LOG_LEVEL: level }, stream);
  return { lines, log };
};

describe('createLogger (IMGPROXY_LOG_FORMAT, IMGPROXY_LOG_LEVEL)', () => {
  it('json: one object a line with RFC 3339 time, imgproxy level names and msg', () => {
    const { lines, log } = logWith('json');
    log.info({ request_id: 'abc', status: 200 }, 'hello');
    log.warn('careful');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({ level: 'INFO', msg: 'hello', request_id: 'abc', status: 200 });
    expect(new Date(first.time).toISOString()).toBe(first.time);
    expect(JSON.parse(lines[1]!).level).toBe('WARNING');
  });

  it("gcp: Cloud Logging's severity and message", () => {
    const { lines, log } = logWith('gcp');
    log.error({ code: 'X' }, 'broken');
    log.warn('careful');
    expect(JSON.parse(lines[0]!)).toMatchObject({ severity: 'ERROR', message: 'broken', code: 'X' });
    expect(JSON.parse(lines[1]!).severity).toBe('WARNING');
    expect(JSON.parse(lines[0]!).msg).toBeUndefined();
  });

  it('structured: logfmt as imgproxy writes it, nested fields dotted', () => {
    const { lines, log } = logWith('structured');
    log.info(
      { request_id: 'abc', status: 200, ok: true, detail: { message: 'said "no"' } },
      'Completed in 1.5ms /-/w:10',
    );
    expect(lines[0]).toMatch(
      /^time="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d" level="INFO" msg="Completed in 1\.5ms \/-\/w:10" request_id="abc" status=200 ok=true detail\.message="said \\"no\\""$/,
    );
  });

  it('structured: an error as pino serializes it, and lines below the level dropped', () => {
    const { lines, log } = logWith('structured', 'warn');
    log.info('not written');
    log.error({ err: new TypeError('bad "thing"'), code: 'X' }, 'failed');
    log.warn(new RangeError('out of range'));
    log.warn('plain');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^time="[^"]+" level="ERROR" msg="failed" err\.type="TypeError" err\.message="bad \\"thing\\"" err\.stack="TypeError: bad .*" code="X"$/,
    );
    expect(lines[1]).toMatch(
      / level="WARNING" msg="out of range" err\.type="RangeError" err\.message="out of range" /,
    );
    expect(lines[2]).toMatch(/ level="WARNING" msg="plain"$/);
  });

  it('pretty: text for people, no colour codes when not writing to a terminal', () => {
    const { lines, log } = logWith('pretty');
    log.info({ status: 200 }, 'hello there');
    const text = lines.join('\n');
    expect(text).toContain('hello there');
    expect(text).toContain('INFO');
    expect(text.startsWith('{')).toBe(false);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for ANSI escapes on purpose
    expect(text).not.toMatch(/\u001b\[/);
  });

  it('drops lines below IMGPROXY_LOG_LEVEL', () => {
    const { lines, log } = logWith('json', 'warn');
    log.debug('no');
    log.info('no');
    log.warn('yes');
    log.error('yes');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['yes', 'yes']);
  });
});

describe('request log line and X-Request-ID', () => {
  let server: TestServer;
  let cacheDir: string;
  const requestLines = () =>
    server.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('Completed in'));

  beforeAll(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'tintype-log-test-'));
    server = await startTestServer({
      IMGPROXY_LOCAL_FILESYSTEM_ROOT: samples,
      IMGPROXY_CACHE_USE: 'fs',
      IMGPROXY_CACHE_FS_ROOT: cacheDir,
    });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('accepts a client X-Request-ID of [A-Za-z0-9_-]+ and returns it', async () => {
    const res = await server.get('/unsafe/rs:fit:30:30/plain/local:///ladybird.jpg', {
      headers: { 'X-Request-ID': 'Client_id-42' },
    });
    await res.arrayBuffer();
    expect(res.headers.get('x-request-id')).toBe('Client_id-42');
    const line = requestLines().find((l) => l.request_id === 'Client_id-42');
    expect(line).toBeDefined();
  });

  it('replaces an X-Request-ID with other characters, and generates one when absent', async () => {
    const bad = await server.get('/health', { headers: { 'X-Request-ID': 'has space;and=more' } });
    const generatedForBad = bad.headers.get('x-request-id');
    expect(generatedForBad).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(generatedForBad).not.toBe('has space;and=more');
    const none = await server.get('/health');
    const generated = none.headers.get('x-request-id');
    expect(generated).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(generated).not.toBe(generatedForBad);
  });

  it('writes one line per request: method, redacted path, status, duration, cache result, request id', async () => {
    const byId = (id: string) => requestLines().filter((l) => l.request_id === id);
    const signatureLike = 'n0tAS1gnatureButSecretLooking';
    const path = `/${signatureLike}/rs:fit:40:40/plain/local:///dune.jpg@png`;
    const first = await server.get(path, { headers: { 'X-Request-ID': 'first' } });
    await first.arrayBuffer();
    // The cache entry is written after the first answer, so ask again until it is there.
    for (let i = 0; i < 50 && !byId('second').some((l) => l.cache === 'HIT'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await (await server.get(path, { headers: { 'X-Request-ID': 'second' } })).arrayBuffer();
    }
    const missing = await server.get('/unsafe/plain/local:///nope.png', {
      headers: { 'X-Request-ID': 'missing' },
    });
    expect(missing.status).toBe(404);
    await server.get('/health', { headers: { 'X-Request-ID': 'health' } });

    const [a] = byId('first');
    const b = byId('second').at(-1);
    const [c] = byId('missing');
    expect(byId('first')).toHaveLength(1);
    expect(a).toMatchObject({
      method: 'GET',
      status: first.status,
      path: '/-/rs:fit:40:40/plain/local:///dune.jpg@png',
    });
    expect(typeof a!.duration_ms).toBe('number');
    expect(a!.msg).toBe(`Completed in ${a!.duration_ms}ms /-/rs:fit:40:40/plain/local:///dune.jpg@png`);
    expect(a!.client_ip).toMatch(/127\.0\.0\.1/);
    expect(a!.level).toBe(30); // info
    expect(c).toMatchObject({ status: 404, level: 40 }); // 4xx: warning, as imgproxy
    // The cache result, as the request path reports it.
    expect(a!.cache).toBe('MISS');
    expect(b!.cache).toBe('HIT');
    // Health checks are silent, and no line anywhere carries the signature.
    expect(byId('health')).toHaveLength(0);
    expect(JSON.stringify(server.logs)).not.toContain(signatureLike);
  });
});

describe('batched (the stdout destination)', () => {
  const collect = () => {
    const writes: string[] = [];
    return { writes, out: batched({ write: (s: string) => void writes.push(s) }) };
  };

  it('writes the lines of one event-loop turn together, at the end of the turn', async () => {
    const { writes, out } = collect();
    out.write('a=1\n');
    out.write('b=2\n');
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['a=1\nb=2\n']);
    out.write('c=3\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['a=1\nb=2\n', 'c=3\n']);
  });

  it('never writes more than PIPE_BUF bytes of whole lines at once (a longer line goes alone)', async () => {
    const { writes, out } = collect();
    const line = (n: number, fill: string) => `${fill.repeat(n - 1)}\n`;
    for (let i = 0; i < 100; i++) out.write(line(300, 'é')); // 599 bytes each
    out.write(line(5000, 'x'));
    out.write(line(10, 'y'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes.join('')).toBe(`${line(300, 'é').repeat(100)}${line(5000, 'x')}${line(10, 'y')}`);
    for (const w of writes) {
      expect(w.endsWith('\n')).toBe(true);
      if (!w.startsWith('x')) expect(Buffer.byteLength(w)).toBeLessThanOrEqual(4096);
    }
    expect(writes).toContain(line(5000, 'x'));
  });

  // On the real stdout, in a child process: every format, the last line written at exit.
  const lastWords = (format: Format) => {
    const logger = new URL('../dist/logger.js', import.meta.url).href;
    return execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createLogger } from ${JSON.stringify(logger)};
         const log = createLogger({ IMGPROXY_LOG_FORMAT: '${format}', IMGPROXY_LOG_LEVEL: 'info' });
         log.info('last words');
         process.exit(0);`,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ).toString();
  };

  it('writes what is pending when the process exits', () => {
    expect(JSON.parse(lastWords('json')).msg).toBe('last words');
    expect(lastWords('structured')).toMatch(/ msg="last words"\n$/);
  });

  it('pretty writes to stdout too (pino-pretty gets a whole stream, not the batching)', () => {
    expect(lastWords('pretty')).toContain('last words');
  });
});
