import { fileURLToPath } from 'node:url';

/**
 * Defaults for `pnpm start` (`tintype serve --demo`): loopback on 8080, the repo's sample images
 * as `local://` sources, an fs cache in `.cache/`. Applied only where the environment says
 * nothing, so every IMGPROXY_* variable still wins.
 */
export function applyDemoDefaults(env: NodeJS.ProcessEnv): void {
  const repo = fileURLToPath(new URL('../../../', import.meta.url));
  const defaults: Record<string, string> = {
    IMGPROXY_BIND: '127.0.0.1:8080',
    IMGPROXY_LOCAL_FILESYSTEM_ROOT: `${repo}samples`,
    IMGPROXY_CACHE_USE: 'fs',
    IMGPROXY_CACHE_FS_ROOT: `${repo}.cache/tintype`,
    IMGPROXY_LOG_FORMAT: 'pretty',
  };
  for (const [name, value] of Object.entries(defaults)) if (env[name] === undefined) env[name] = value;
}
