export interface CookieSettings {
  /** IMGPROXY_COOKIE_PASSTHROUGH */
  passthrough: boolean;
  /** IMGPROXY_COOKIE_PASSTHROUGH_ALL */
  all: boolean;
  /** IMGPROXY_COOKIE_BASE_URL */
  baseUrl: string;
}

/** The parts of a client request that decide which of its cookies a source gets. */
export interface CookieRequest {
  header(name: string): string | undefined;
}

/**
 * The Cookie header to send to a source, or undefined for none. Scoped as imgproxy scopes it:
 * the client's cookies are treated as host-only cookies set by IMGPROXY_COOKIE_BASE_URL (or, when
 * unset, by the URL the client asked, from X-Forwarded-Proto/-Host/-Port or Host), so they go
 * only to a source on that same host (any port, as cookie jars ignore ports) under that URL's
 * default path. IMGPROXY_COOKIE_PASSTHROUGH_ALL sends them to every source.
 * Why this much care: the cookies are the client's credentials for the site that set them; an
 * image source elsewhere must never see them. The HTTP source drops them again on a redirect to
 * another origin.
 */
export function sourceCookies(
  settings: CookieSettings,
  req: CookieRequest,
  sourceUrl: string,
): string | undefined {
  if (!settings.passthrough) return undefined;
  const pairs = (req.header('cookie') ?? '')
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p.indexOf('=') > 0);
  if (pairs.length === 0) return undefined;
  const cookies = pairs.join('; ');
  if (settings.all) return cookies;

  const base = settings.baseUrl ? parse(settings.baseUrl) : requestUrl(req);
  const source = parse(sourceUrl);
  if (!base || !source || (source.protocol !== 'http:' && source.protocol !== 'https:')) return undefined;
  if (canonicalHost(base.hostname) !== canonicalHost(source.hostname)) return undefined;
  return pathMatches(source.pathname, defaultPath(base.pathname)) ? cookies : undefined;
}

function requestUrl(req: CookieRequest): URL | undefined {
  const host = req.header('x-forwarded-host') || req.header('host');
  if (!host) return undefined;
  const port = req.header('x-forwarded-port');
  return parse(`${req.header('x-forwarded-proto') || 'http'}://${host}${port ? `:${port}` : ''}`);
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

const canonicalHost = (host: string) => host.toLowerCase().replace(/\.$/, '');

/** RFC 6265 5.1.4: the directory of the URL's path. */
function defaultPath(path: string): string {
  if (!path.startsWith('/')) return '/';
  const last = path.lastIndexOf('/');
  return last === 0 ? '/' : path.slice(0, last);
}

/** RFC 6265 5.1.4 path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}
