// The bare reference: node:http + undici + sharp, no framework, no cache, no limits. What a
// sharp-based image server reaches when written naively; Tintype must beat it.
// GET /<jpeg|webp|avif|png>/<file> fetches ORIGIN/<file> and resizes it to fit 512x512.
// The encoder settings are Tintype's defaults (imgproxy's), so that both servers do the same
// work per image and the comparison is about the server, not the encoder.
// env: PORT, ORIGIN (http://127.0.0.1:port)
import { createServer } from 'node:http';
import sharp from 'sharp';
import { request } from 'undici';

const ORIGIN = process.env.ORIGIN;
const ENCODE = {
  jpeg: (s) => s.jpeg({ quality: 80, optimiseCoding: true, chromaSubsampling: '4:2:0' }),
  webp: (s) => s.webp({ quality: 79, effort: 4 }),
  avif: (s) => s.avif({ quality: 63, effort: 1, chromaSubsampling: '4:2:0', bitdepth: 8 }),
  png: (s) => s.png({ adaptiveFiltering: true }),
};

createServer(async (req, res) => {
  try {
    const [, format, file] = req.url.split('/');
    const encode = ENCODE[format];
    if (!encode || !file) {
      res.writeHead(404).end();
      return;
    }
    const src = await request(`${ORIGIN}/${file}`);
    if (src.statusCode !== 200) {
      await src.body.dump();
      res.writeHead(502).end();
      return;
    }
    const input = Buffer.from(await src.body.arrayBuffer());
    const out = await encode(
      sharp(input).autoOrient().resize(512, 512, { fit: 'inside', withoutEnlargement: true }),
    ).toBuffer();
    res.writeHead(200, { 'content-type': `image/${format}`, 'content-length': out.length }).end(out);
  } catch (e) {
    res.writeHead(500).end(String(e));
  }
}).listen(Number(process.env.PORT), '127.0.0.1');
