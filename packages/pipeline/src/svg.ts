import { unprocessable } from '@tintype/url';

/**
 * SVG sources asked for as SVG are passed through, so they must not carry anything a browser
 * would run when the image is opened directly: scripts, event handlers, script links. This is a
 * small XML tokenizer that copies the document, dropping what can execute; it follows imgproxy's
 * `processing/svg` rules and is stricter where noted.
 */

/** Elements removed with everything inside them: they run code or embed active documents. */
const DROPPED_ELEMENTS = new Set(['script', 'iframe', 'form', 'object', 'embed', 'handler', 'listener']);
/** Elements that can rewrite another attribute over time (`<set attributeName="href" to="javascript:..."/>`). */
const ANIMATION_ELEMENTS = new Set(['set', 'animate', 'animatemotion', 'animatetransform', 'animatecolor']);
const SAFE_SCHEMES = new Set(['http', 'https']);
const SAFE_IMAGE_SCHEMES = new Set(['http', 'https', 'data']);

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  colon: ':',
  tab: '\t',
  newline: '\n',
};

function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);?/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code =
        body[1] === 'x' || body[1] === 'X'
          ? Number.parseInt(body.slice(2), 16)
          : Number.parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/**
 * The scheme a browser would see. Browsers drop ASCII tabs, newlines and other control characters
 * from URLs, so `java&#9;script:` is still `javascript:` (imgproxy's check misses that).
 */
function schemeOf(value: string): string | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
  const normalized = decodeEntities(value).replace(/[\u0000-\u0020\u007f]/g, '');
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(normalized);
  return match ? match[1]!.toLowerCase() : null;
}

const localName = (name: string): string => name.slice(name.indexOf(':') + 1).toLowerCase();

function isSafeHref(element: string, value: string): boolean {
  const trimmed = decodeEntities(value).trim();
  if (trimmed === '' || trimmed.startsWith('#')) return true;
  // <use> may only point inside this document: anything else imports foreign content.
  if (element === 'use') return false;
  const scheme = schemeOf(value);
  return scheme === null || (element === 'image' ? SAFE_IMAGE_SCHEMES : SAFE_SCHEMES).has(scheme);
}

interface Attribute {
  name: string;
  value: string;
}

function keepAttribute(element: string, attr: Attribute): boolean {
  const name = localName(attr.name);
  if (name.startsWith('on')) return false;
  if (attr.name.toLowerCase() === 'xml:base') return false;
  if (name === 'href') return isSafeHref(element, attr.value);
  const scheme = schemeOf(attr.value);
  return scheme !== 'javascript' && scheme !== 'vbscript';
}

function isDangerousAnimation(element: string, attrs: Attribute[]): boolean {
  if (!ANIMATION_ELEMENTS.has(element)) return false;
  const target = attrs.find((a) => localName(a.name) === 'attributename');
  if (!target) return false;
  const name = localName(decodeEntities(target.value).trim());
  return name === 'href' || name.startsWith('on');
}

const ATTRIBUTE = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/y;

function parseAttributes(source: string): Attribute[] {
  const attrs: Attribute[] = [];
  let i = 0;
  while (i < source.length) {
    while (i < source.length && /\s/.test(source[i]!)) i++;
    if (i >= source.length) break;
    ATTRIBUTE.lastIndex = i;
    const m = ATTRIBUTE.exec(source);
    if (!m) throw invalidSvg();
    attrs.push({ name: m[1]!, value: m[2] ?? m[3] ?? m[4] ?? '' });
    i = ATTRIBUTE.lastIndex;
  }
  return attrs;
}

const escapeAttribute = (value: string): string => value.replace(/"/g, '&quot;').replace(/</g, '&lt;');

const invalidSvg = (cause?: unknown) => unprocessable('Invalid SVG: the source is not well-formed', cause);

/** Finds the `>` closing a tag, skipping `>` inside quoted attribute values. */
function tagEnd(text: string, from: number): number {
  let quote = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
  }
  return -1;
}

export function sanitizeSvg(svg: Buffer): Buffer {
  const text = svg.toString('utf8');
  const out: string[] = [];
  const open: string[] = [];
  /** Depth of the open-element stack at which a dropped element started, or -1. */
  let droppedAt = -1;
  let sawElement = false;
  let i = 0;

  const emit = (s: string) => {
    if (droppedAt < 0) out.push(s);
  };

  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) {
      emit(text.slice(i));
      break;
    }
    emit(text.slice(i, lt));

    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end < 0) throw invalidSvg();
      i = end + 3; // comments are dropped: nothing in them is needed to draw the image
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end < 0) throw invalidSvg();
      emit(text.slice(lt, end + 3));
      i = end + 3;
    } else if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt + 2);
      if (end < 0) throw invalidSvg();
      // Only the XML declaration survives: other processing instructions (xml-stylesheet) load things.
      if (/^<\?xml\s/i.test(text.slice(lt, lt + 6))) emit(text.slice(lt, end + 2));
      i = end + 2;
    } else if (/^<!doctype/i.test(text.slice(lt, lt + 9))) {
      // Dropped: an internal subset can declare entities that expand into markup after this filter ran.
      const bracket = text.indexOf('[', lt);
      const close = text.indexOf('>', lt);
      const end = bracket >= 0 && bracket < close ? text.indexOf(']', bracket) : lt;
      const gt = text.indexOf('>', end);
      if (end < 0 || gt < 0) throw invalidSvg();
      i = gt + 1;
    } else if (text[lt + 1] === '/') {
      const gt = text.indexOf('>', lt);
      if (gt < 0) throw invalidSvg();
      const name = text.slice(lt + 2, gt).trim();
      const at = open.lastIndexOf(name);
      if (at < 0) throw invalidSvg();
      emit(`</${name}>`);
      open.length = at;
      if (droppedAt >= open.length) droppedAt = -1;
      i = gt + 1;
    } else if (/[A-Za-z_:]/.test(text[lt + 1] ?? '')) {
      const gt = tagEnd(text, lt + 1);
      if (gt < 0) throw invalidSvg();
      const selfClosing = text[gt - 1] === '/';
      const body = text.slice(lt + 1, selfClosing ? gt - 1 : gt);
      const name = /^[^\s/>]+/.exec(body)![0];
      const element = localName(name);
      const attrs = parseAttributes(body.slice(name.length));
      sawElement = true;

      if (droppedAt < 0 && (DROPPED_ELEMENTS.has(element) || isDangerousAnimation(element, attrs))) {
        droppedAt = open.length;
      }
      const kept = attrs
        .filter((a) => keepAttribute(element, a))
        .map((a) => ` ${a.name}="${escapeAttribute(a.value)}"`)
        .join('');
      emit(`<${name}${kept}${selfClosing ? '/>' : '>'}`);
      if (!selfClosing) open.push(name);
      else if (droppedAt === open.length) droppedAt = -1;
      i = gt + 1;
    } else {
      // A stray "<" is not markup; keep it as text, escaped.
      emit('&lt;');
      i = lt + 1;
    }
  }

  if (!sawElement || open.length > 0) throw invalidSvg();
  return Buffer.from(out.join(''), 'utf8');
}
