/**
 * Value types of configuration variables. Each knows how to parse an environment string and how
 * to describe itself in the generated configuration reference. Parsing follows imgproxy's env
 * package: booleans as Go's strconv.ParseBool, durations as whole seconds, lists split on commas.
 */
export interface VarType<T> {
  /** Short description for the docs, e.g. "integer ≥ 0". */
  readonly describe: string;
  parse(raw: string): T;
}

const fail = (expected: string): never => {
  throw new Error(`expected ${expected}`);
};

const BOOLS: Record<string, boolean> = {
  '1': true,
  t: true,
  T: true,
  true: true,
  TRUE: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  false: false,
  FALSE: false,
  False: false,
};

export const bool: VarType<boolean> = {
  describe: 'boolean',
  parse: (raw) => BOOLS[raw.trim()] ?? fail('a boolean (true/false, 1/0)'),
};

export const string: VarType<string> = { describe: 'string', parse: (raw) => raw };

export function int(opts: { min?: number; max?: number } = {}): VarType<number> {
  const { min, max } = opts;
  const range = [min !== undefined ? `≥ ${min}` : '', max !== undefined ? `≤ ${max}` : ''].filter(Boolean);
  const describe = ['integer', ...range].join(' ');
  return {
    describe,
    parse(raw) {
      const s = raw.trim();
      if (!/^[-+]?\d+$/.test(s)) fail('an integer');
      const n = Number(s);
      if ((min !== undefined && n < min) || (max !== undefined && n > max)) fail(describe);
      return n;
    },
  };
}

export function float(opts: { min?: number; max?: number; exclusiveMin?: boolean } = {}): VarType<number> {
  const { min, max, exclusiveMin } = opts;
  const describe = [
    'number',
    min !== undefined ? `${exclusiveMin ? '>' : '≥'} ${min}` : '',
    max !== undefined ? `≤ ${max}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return {
    describe,
    parse(raw) {
      const s = raw.trim();
      const n = s === '' ? Number.NaN : Number(s);
      if (!Number.isFinite(n)) fail('a number');
      if (min !== undefined && (exclusiveMin ? n <= min : n < min)) fail(describe);
      if (max !== undefined && n > max) fail(describe);
      return n;
    },
  };
}

/** Whole seconds, as imgproxy's durations. Stored in seconds. */
export const seconds = (opts: { min?: number } = {}): VarType<number> => ({
  ...int(opts),
  describe: `seconds${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}`,
});

/** Megapixels as a float (e.g. 16.8), stored as a pixel count. */
export const megapixels: VarType<number> = {
  describe: 'megapixels (float)',
  parse: (raw) => Math.trunc(float({ min: 0, exclusiveMin: true }).parse(raw) * 1_000_000),
};

/** Comma-separated list; blanks dropped. */
export const list: VarType<string[]> = {
  describe: 'comma-separated list',
  parse: (raw) =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
};

export function oneOf<const T extends string>(values: readonly T[]): VarType<T> {
  return {
    describe: `one of ${values.map((v) => `\`${v}\``).join(', ')}`,
    parse(raw) {
      const s = raw.trim().toLowerCase();
      return (values as readonly string[]).includes(s) ? (s as T) : fail(`one of ${values.join(', ')}`);
    },
  };
}

export function listOf<const T extends string>(values: readonly T[]): VarType<T[]> {
  return {
    describe: `comma-separated list of ${values.map((v) => `\`${v}\``).join(', ')}`,
    parse: (raw) => list.parse(raw).map((v) => oneOf(values).parse(v)),
  };
}

/** `key=value` pairs separated by commas, e.g. IMGPROXY_FORMAT_QUALITY=webp=70,avif=50. */
export function mapOf<V>(values: VarType<V>, keys?: readonly string[]): VarType<Record<string, V>> {
  return {
    describe: `comma-separated \`key=value\` pairs${keys ? ` (keys: ${keys.join(', ')})` : ''}`,
    parse(raw) {
      const out: Record<string, V> = {};
      for (const pair of list.parse(raw)) {
        const eq = pair.indexOf('=');
        if (eq <= 0) fail('key=value pairs');
        const key = pair.slice(0, eq).trim().toLowerCase();
        if (keys && !keys.includes(key)) fail(`keys among ${keys.join(', ')}`);
        out[key] = values.parse(pair.slice(eq + 1));
      }
      return out;
    },
  };
}

/** host:port, :port or a unix socket path; validated loosely, as imgproxy does. */
export const bind: VarType<string> = {
  describe: '`host:port`, `:port`, or a socket path with IMGPROXY_NETWORK=unix',
  parse: (raw) => (raw.trim() === '' ? fail('a non-empty address') : raw.trim()),
};

/** An absolute or relative URL; empty allowed. */
export const url: VarType<string> = {
  describe: 'URL',
  parse(raw) {
    const s = raw.trim();
    if (s !== '') {
      try {
        new URL(s);
      } catch {
        fail('a URL');
      }
    }
    return s;
  },
};

/** RFC 3339 date-time, e.g. for IMGPROXY_LAST_MODIFIED_BUSTER; stored as epoch milliseconds (0 = unset). */
export const dateTime: VarType<number> = {
  describe: 'RFC 3339 date-time',
  parse(raw) {
    const s = raw.trim();
    if (s === '') return 0;
    const t = Date.parse(s);
    return Number.isNaN(t) ? fail('an RFC 3339 date-time') : t;
  },
};
