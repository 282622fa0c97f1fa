import { readdir } from 'node:fs/promises';
import type { RequestHandler } from 'express';
import type { Config } from '../config/index.js';
import type { Logger } from '../logger.js';
import { type SigningConfig, signedUrl } from '../sign.js';

export { playgroundPage } from './page.js';

const IMAGE_FILE = /\.(jpe?g|png|webp|avif|gif|tiff?|svg|heic|bmp|ico|jxl)$/i;

export type PlaygroundConfig = SigningConfig &
  Pick<Config, 'IMGPROXY_LOCAL_FILESYSTEM_ROOT' | 'IMGPROXY_PATH_PREFIX'>;

/**
 * The playground's two endpoints (TINTYPE_PLAYGROUND=true): the images it offers, and a signed URL
 * for one of them with the options and format picked on the page. Why only the listed images: a
 * page that signed any source would let every visitor fetch anything through this server, which
 * is what signatures are there to prevent. The options are still the visitor's, so the playground
 * is for development machines, never for a public server.
 */
export function playgroundRoutes(config: PlaygroundConfig, log: Logger): [string, RequestHandler][] {
  log.warn(
    'TINTYPE_PLAYGROUND is on: / signs URLs for anyone who can reach this server. Never on a public server.',
  );
  const sources = async (): Promise<string[]> => {
    if (!config.IMGPROXY_LOCAL_FILESYSTEM_ROOT) return [];
    const entries = await readdir(config.IMGPROXY_LOCAL_FILESYSTEM_ROOT, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && IMAGE_FILE.test(e.name))
      .map((e) => `local:///${e.name}`)
      .sort();
  };

  const list: RequestHandler = (_req, res, next) => {
    sources().then((s) => res.setHeader('Cache-Control', 'no-store').json({ sources: s }), next);
  };

  const sign: RequestHandler = (req, res, next) => {
    // The app turns Express's query parser off (imgproxy ignores queries), so read it here.
    const q = new URL(req.originalUrl, 'http://playground').searchParams;
    const source = q.get('source') ?? '';
    sources().then((allowed) => {
      if (!allowed.includes(source)) {
        res.status(404).json({ error: 'Unknown source' });
        return;
      }
      const endpoint = config.IMGPROXY_PATH_PREFIX.replace(/\/$/, '');
      const common = { source, encoding: 'plain', endpoint } as const;
      res.setHeader('Cache-Control', 'no-store').json({
        url: signedUrl(config, { ...common, options: q.get('options') ?? '', format: q.get('format') ?? '' }),
        original: signedUrl(config, { ...common, options: 'raw:1' }),
      });
    }, next);
  };

  return [
    ['/_playground/sources', list],
    ['/_playground/sign', sign],
  ];
}
