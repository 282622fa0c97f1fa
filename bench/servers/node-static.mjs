// The ceiling of a Node server on a cache hit: node:http answering from memory the same result
// bytes, with the headers Tintype sends on a hit, and nothing else (no parsing, no lookup, no log).
// Several processes share the port through node:cluster, as Tintype's default with the cache on.
// GET /<fmt>/<file> answers ROOT/<fmt>/<file>. env: PORT, ROOT, PROCESSES (default: one per CPU)
import cluster from 'node:cluster';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const processes = Number(process.env.PROCESSES || availableParallelism());
if (cluster.isPrimary && processes > 1) {
  for (let i = 0; i < processes; i++) cluster.fork();
} else {
  const TYPES = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', avif: 'image/avif' };
  const files = new Map();
  for (const fmt of readdirSync(process.env.ROOT)) {
    for (const name of readdirSync(join(process.env.ROOT, fmt))) {
      files.set(`/${fmt}/${name}`, {
        body: readFileSync(join(process.env.ROOT, fmt, name)),
        type: TYPES[fmt],
      });
    }
  }
  createServer((req, res) => {
    const file = files.get(req.url);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.setHeader('Server', 'imgproxy');
    res.setHeader('X-Request-ID', '3b241101-e2bb-4255-8caf-4136c566a962');
    res.setHeader('Cache-Control', 'max-age=31536000, public');
    res.setHeader('ETag', '"0123456789abcdefghijklmnopq"');
    res.setHeader('Content-Type', file.type);
    res.setHeader('Content-Length', file.body.length);
    res.setHeader('Content-Disposition', 'inline; filename="j01.webp"');
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
    );
    res.end(file.body);
  }).listen(Number(process.env.PORT), '127.0.0.1');
}
