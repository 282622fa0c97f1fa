// Builds the benchmark corpus from Debian's wallpaper packages, once; later runs reuse it.
// usage: node bench/corpus.mjs <dir>      prints the manifest's path
//
// The rule, fixed so that every run and every machine measures the same pictures:
//   - every JPEG photograph in lomiri-wallpapers-16.04, lomiri-wallpapers-20.04 and
//     mate-backgrounds (mate's abstract/ and desktop/ folders hold digital art, not photographs);
//   - one file per picture (the largest, should a package ship one in several sizes);
//   - the 20 with the most pixels (ties by file name) become j01.jpg .. j20.jpg, unchanged;
//   - the five smallest of those also as p16.png .. p20.png and w16.webp .. w20.webp (q90);
//   - for the scaling table, the picture nearest 20 MP re-encoded at q90 as s20.jpg, and
//     downscaled to about 6 and 1 MP as s06.jpg and s01.jpg, so that only the size differs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { basename, join } from 'node:path';
import sharp from 'sharp';

const RULE = 3; // bump when the rule above changes, so cached corpora are rebuilt
const PACKAGES = ['lomiri-wallpapers-16.04', 'lomiri-wallpapers-20.04', 'mate-backgrounds'];
const COUNT = 20;
const COPIES = 5;

export async function buildCorpus(root) {
  const dir = join(root, 'corpus');
  const manifestPath = join(dir, 'manifest.json');
  try {
    const m = JSON.parse(await readFile(manifestPath, 'utf8'));
    if (m.rule === RULE) return manifestPath;
  } catch {}

  const debs = join(root, 'debs');
  const tree = join(root, 'extract');
  await rm(tree, { recursive: true, force: true });
  await mkdir(debs, { recursive: true });
  // apt-get download needs no root and installs nothing; dpkg -x only unpacks.
  // As root, apt's sandbox user cannot write here; the download is of public packages anyway.
  execFileSync('apt-get', ['-o', 'APT::Sandbox::User=root', 'download', ...PACKAGES], {
    cwd: debs,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (const f of await readdir(debs)) {
    if (f.endsWith('.deb')) execFileSync('dpkg', ['-x', join(debs, f), tree]);
  }

  const byPicture = new Map();
  for (const path of await walk(tree)) {
    if (!/\.jpe?g$/i.test(path) || /\/mate\/(abstract|desktop)\//.test(path)) continue;
    const { width, height } = await sharp(path).metadata();
    const picture = basename(path).replace(/(_\d+x\d+)?\.jpe?g$/i, '');
    const seen = byPicture.get(picture);
    if (!seen || width * height > seen.width * seen.height) byPicture.set(picture, { path, width, height });
  }
  const chosen = [...byPicture.values()]
    .sort(
      (a, b) => b.width * b.height - a.width * a.height || basename(a.path).localeCompare(basename(b.path)),
    )
    .slice(0, COUNT);
  if (chosen.length < COUNT) throw new Error(`only ${chosen.length} JPEGs in ${PACKAGES.join(', ')}`);

  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const files = [];
  const add = async (name, from, write) => {
    const out = join(dir, name);
    await write(out);
    const m = await sharp(out).metadata();
    files.push({ name, from: basename(from), width: m.width, height: m.height, format: m.format });
  };
  for (const [i, c] of chosen.entries()) {
    const n = String(i + 1).padStart(2, '0');
    await add(`j${n}.jpg`, c.path, (out) => copyFile(c.path, out));
  }
  for (const [i, c] of chosen.entries()) {
    if (i < COUNT - COPIES) continue;
    const n = String(i + 1).padStart(2, '0');
    await add(`p${n}.png`, c.path, (out) => sharp(c.path).autoOrient().png().toFile(out));
    await add(`w${n}.webp`, c.path, (out) => sharp(c.path).autoOrient().webp({ quality: 90 }).toFile(out));
  }
  const big = chosen.reduce((a, b) =>
    Math.abs(a.width * a.height - 20e6) <= Math.abs(b.width * b.height - 20e6) ? a : b,
  );
  for (const [name, mp] of [
    ['s20.jpg', 0],
    ['s06.jpg', 6e6],
    ['s01.jpg', 1e6],
  ]) {
    const width = mp ? Math.round(big.width * Math.sqrt(mp / (big.width * big.height))) : undefined;
    await add(name, big.path, (out) =>
      sharp(big.path).autoOrient().resize({ width }).jpeg({ quality: 90 }).toFile(out),
    );
  }
  await rm(tree, { recursive: true, force: true });
  await rm(debs, { recursive: true, force: true });
  await writeFile(manifestPath, `${JSON.stringify({ rule: RULE, packages: PACKAGES, files }, null, 2)}\n`);
  return manifestPath;
}

/**
 * The order in which load generators cycle through the sources `names` (in `dir`). A measured
 * window holds a few cycles and part of one; that part should cost about what a whole cycle costs
 * per image, whichever sources it holds. The dearest source here (a 16 MP progressive JPEG) costs
 * 30 times the cheapest, and in name order the dear progressive JPEGs and the PNGs came in runs.
 * So the cycle alternates dear and cheap (dearest, cheapest, second dearest...), by the CPU of one
 * sharp call (the reference server's) on each source, measured here one source at a time.
 */
export async function cycleOrder(dir, names) {
  const cost = new Map();
  for (const name of names) {
    const input = readFileSync(join(dir, name));
    const before = process.cpuUsage();
    await sharp(input).resize(512, 512, { fit: 'inside' }).jpeg({ quality: 80 }).toBuffer();
    const used = process.cpuUsage(before);
    cost.set(name, used.user + used.system);
  }
  const dear = [...names].sort((a, b) => cost.get(b) - cost.get(a));
  return dear.map((_, i) => dear[i % 2 ? dear.length - 1 - (i >> 1) : i >> 1]);
}

/** A Node origin on 127.0.0.1:`port` serving `names` from `dir` out of memory; resolves to the server. */
export async function serveFiles(dir, names, port) {
  const data = new Map(names.map((n) => [`/${n}`, readFileSync(join(dir, n))]));
  const server = createServer((req, res) => {
    const body = data.get(req.url);
    if (body) res.writeHead(200, { 'content-length': body.length }).end(body);
    else res.writeHead(404).end();
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return server;
}

async function walk(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await buildCorpus(process.argv[2] ?? '.bench-cache'));
}
