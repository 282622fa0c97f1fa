import { describe, expect, it } from 'vitest';
import { sanitizeSvg } from './svg.js';

const clean = (svg: string) => sanitizeSvg(Buffer.from(svg)).toString('utf8');
const wrap = (body: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">${body}</svg>`;

describe('sanitizeSvg', () => {
  it('keeps a harmless document as it is', () => {
    const svg =
      '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect x="1" y="1" width="5" height="5" fill="red"/><text>a &amp; b</text></svg>';
    expect(clean(svg)).toBe(svg);
  });

  it('removes scripts with their content, however nested or written', () => {
    expect(
      clean(
        wrap(
          '<script>alert(1)</script><g><svg:script xmlns:svg="http://www.w3.org/2000/svg">x</svg:script><rect/></g>',
        ),
      ),
    ).toBe(wrap('<g><rect/></g>'));
    expect(clean(wrap('<SCRIPT type="text/ecmascript"><![CDATA[ if (a < b) alert(1) ]]></SCRIPT>'))).toBe(
      wrap(''),
    );
    expect(clean(wrap('<script href="https://evil.example/x.js"/><rect/>'))).toBe(wrap('<rect/>'));
  });

  it('removes elements that embed active documents', () => {
    expect(
      clean(
        wrap(
          '<foreignObject><iframe src="https://evil.example"></iframe><form action="/x"><input/></form><p>ok</p></foreignObject>',
        ),
      ),
    ).toBe(wrap('<foreignObject><p>ok</p></foreignObject>'));
    expect(clean(wrap('<foreignObject><object data="x.swf"></object><embed src="y"/></foreignObject>'))).toBe(
      wrap('<foreignObject></foreignObject>'),
    );
  });

  it('removes every event handler attribute', () => {
    expect(
      clean(
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect onclick="x()" ONMOUSEOVER="y()" width="1"/></svg>',
      ),
    ).toBe('<svg xmlns="http://www.w3.org/2000/svg"><rect width="1"/></svg>');
    expect(clean(wrap('<rect onfuturething="x()"/>'))).toBe(wrap('<rect/>'));
  });

  it('removes javascript: links, including encoded and split ones', () => {
    for (const href of [
      'javascript:alert(1)',
      ' JavaScript:alert(1)',
      'java&#x09;script:alert(1)',
      '&#106;avascript:alert(1)',
      'java\nscript:x',
      'vbscript:x',
    ]) {
      expect(clean(wrap(`<a href="${href}"><text>x</text></a>`))).toBe(wrap('<a><text>x</text></a>'));
      expect(clean(wrap(`<a xlink:href="${href}"><text>x</text></a>`))).toBe(wrap('<a><text>x</text></a>'));
    }
  });

  it('keeps http(s), fragment and relative links', () => {
    for (const href of [
      'https://example.com/',
      'http://example.com/',
      '#frag',
      'page.html',
      '//example.com/x',
    ]) {
      expect(clean(wrap(`<a href="${href}"/>`))).toBe(wrap(`<a href="${href}"/>`));
    }
  });

  it('allows data: URIs on <image> only, and only fragments on <use>', () => {
    expect(clean(wrap('<image href="data:image/png;base64,AAAA"/>'))).toBe(
      wrap('<image href="data:image/png;base64,AAAA"/>'),
    );
    expect(clean(wrap('<a href="data:text/html,x"/>'))).toBe(wrap('<a/>'));
    expect(clean(wrap('<use href="#icon"/>'))).toBe(wrap('<use href="#icon"/>'));
    expect(clean(wrap('<use href="https://evil.example/sprite.svg#x"/>'))).toBe(wrap('<use/>'));
    expect(clean(wrap('<use xlink:href="data:image/svg+xml,x"/>'))).toBe(wrap('<use/>'));
  });

  it('removes animations that rewrite links or handlers', () => {
    expect(
      clean(
        wrap(
          '<a><set attributeName="href" to="javascript:alert(1)"/><animate attributeName="onclick" values="x"/><animate attributeName="x" values="0;1"/></a>',
        ),
      ),
    ).toBe(wrap('<a><animate attributeName="x" values="0;1"/></a>'));
  });

  it('removes any attribute holding a script URL', () => {
    expect(clean(wrap('<animate attributeName="fill" values="javascript:alert(1)"/>'))).toBe(
      wrap('<animate attributeName="fill"/>'),
    );
  });

  it('drops the DOCTYPE, its entities, comments and stylesheet instructions', () => {
    const svg =
      '<?xml version="1.0"?><?xml-stylesheet href="evil.xsl"?><!DOCTYPE svg [<!ENTITY x "<script>alert(1)</script>">]><!-- note --><svg xmlns="http://www.w3.org/2000/svg"/>';
    expect(clean(svg)).toBe('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>');
  });

  it('quotes attribute values safely', () => {
    expect(clean(`<svg xmlns="http://www.w3.org/2000/svg"><text font-family='"Serif"'>x</text></svg>`)).toBe(
      '<svg xmlns="http://www.w3.org/2000/svg"><text font-family="&quot;Serif&quot;">x</text></svg>',
    );
  });

  it('refuses what is not a well-formed document', () => {
    for (const bad of [
      '',
      'just text',
      '<svg><g></svg',
      '<svg><rect></svg><g>',
      '<svg><!-- open',
      '<svg a="1></svg>',
    ]) {
      expect(() => sanitizeSvg(Buffer.from(bad))).toThrow('Invalid SVG');
    }
  });
});
