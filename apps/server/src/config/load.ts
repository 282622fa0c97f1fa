import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { type Config, VARS, type VarName } from './vars.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: Config;
  /** Things worth telling an operator that do not stop the server (e.g. a misspelt variable). */
  warnings: string[];
}

/**
 * Parses every declared variable from `env` into one frozen object. Every problem is collected
 * and reported together, each naming its variable, so one start tells the operator all of them.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const problems: string[] = [];
  const warnings: string[] = [];
  const values: Record<string, unknown> = {};

  for (const [name, spec] of Object.entries(VARS)) {
    const raw = env[name];
    if (raw === undefined || (raw === '' && name !== 'IMGPROXY_SOURCE_URL_QUERY_SEPARATOR')) {
      values[name] = spec.default;
      continue;
    }
    try {
      values[name] = spec.type.parse(raw);
    } catch (e) {
      problems.push(`${name}=${JSON.stringify(raw)}: ${(e as Error).message}`);
    }
  }

  for (const name of Object.keys(env)) {
    if (name.startsWith('IMGPROXY_') && !(name in VARS)) {
      const near = closest(name);
      warnings.push(`${name} is not a setting Tintype knows${near ? `; did you mean ${near}?` : ''}`);
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  const config = Object.freeze(values) as Config;
  problems.push(...crossCheck(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return { config, warnings };
}

/** Rules that involve more than one variable. */
function crossCheck(c: Config): string[] {
  const out: string[] = [];
  const count = (s: string) => (s === '' ? 0 : s.split(',').length);
  if (count(c.IMGPROXY_KEY) !== count(c.IMGPROXY_SALT)) {
    out.push(
      `IMGPROXY_KEY and IMGPROXY_SALT: number of keys and number of salts should be equal. Keys: ${count(c.IMGPROXY_KEY)}, salts: ${count(c.IMGPROXY_SALT)}`,
    );
  }
  if (c.IMGPROXY_PROMETHEUS_BIND !== '' && c.IMGPROXY_PROMETHEUS_BIND === c.IMGPROXY_BIND) {
    out.push('IMGPROXY_PROMETHEUS_BIND: must differ from IMGPROXY_BIND');
  }
  if (c.IMGPROXY_CACHE_USE === 'fs' && c.IMGPROXY_CACHE_FS_ROOT === '') {
    out.push('IMGPROXY_CACHE_FS_ROOT: required when IMGPROXY_CACHE_USE=fs');
  }
  const needsBucket = c.IMGPROXY_CACHE_USE !== '' && c.IMGPROXY_CACHE_USE !== 'fs';
  if (needsBucket && c.IMGPROXY_CACHE_BUCKET === '') {
    out.push(`IMGPROXY_CACHE_BUCKET: required when IMGPROXY_CACHE_USE=${c.IMGPROXY_CACHE_USE}`);
  }
  return out;
}

/** The declared name nearest to a misspelt one, if it is close enough to be a typo. */
function closest(name: string): VarName | undefined {
  let best: VarName | undefined;
  let bestDistance = 4;
  for (const candidate of Object.keys(VARS) as VarName[]) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * Loads IMGPROXY_ENV_LOCAL_FILE_PATH (a `.env` file) into `env` without overriding variables that
 * are already set, as imgproxy does.
 */
export function loadEnvFile(env: NodeJS.ProcessEnv = process.env): void {
  const path = env.IMGPROXY_ENV_LOCAL_FILE_PATH;
  if (!path) return;
  for (const [key, value] of Object.entries(parseEnv(readFileSync(path, 'utf8')))) {
    if (env[key] === undefined) env[key] = value;
  }
}
