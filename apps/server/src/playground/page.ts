/**
 * The playground page (TINTYPE_PLAYGROUND=true): pick an image, options and a format; the page asks
 * the server to sign the URL, loads it, and shows the result beside the original with its size,
 * dimensions and the time it took. Plain HTML and one small script: nothing to build.
 */
export function playgroundPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tintype playground</title>
<style>
  * { box-sizing: border-box; }
  body { margin: 0; background: #f6f2ec; color: #222; font: 15px/1.45 system-ui, sans-serif; }
  header { background: #14110f; color: #f4ede4; padding: .8rem 1.5rem; display: flex; gap: 1rem; align-items: baseline; }
  header h1 { margin: 0; font: 600 1.4rem Georgia, serif; }
  header small { color: #c9b08a; }
  main { display: grid; grid-template-columns: 19rem minmax(0, 1fr); gap: 1.5rem; padding: 1.5rem; }
  form { display: grid; gap: .7rem; align-content: start; }
  label { display: grid; gap: .2rem; min-width: 0; font-weight: 600; font-size: .85rem; }
  input, select { width: 100%; min-width: 0; font: inherit; padding: .35rem .45rem; border: 1px solid #bbb; border-radius: 4px; background: #fff; }
  .row { display: grid; grid-template-columns: 1fr 1fr; gap: .6rem; }
  .url { grid-column: 1 / -1; font: 13px/1.4 ui-monospace, monospace; background: #fff; border: 1px solid #ddd;
    border-radius: 4px; padding: .5rem .7rem; word-break: break-all; }
  .panes { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; align-items: start; }
  figure { margin: 0; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .7rem; }
  figure img { display: block; max-width: 100%; height: auto; margin: 0 auto;
    background: repeating-conic-gradient(#eee 0 25%, #fff 0 50%) 0 0 / 16px 16px; }
  figcaption { font-size: .85rem; color: #555; margin-top: .5rem; display: flex; flex-wrap: wrap; gap: .3rem 1rem; }
  figcaption b { color: #222; }
  #error { color: #a00; white-space: pre-wrap; }
  #error:empty { display: none; }
</style>
</head>
<body>
<header><h1>Tintype playground</h1><small>for development machines: it signs URLs for anyone who can reach it</small></header>
<main>
  <form id="form" autocomplete="off">
    <label>Source <select id="source" name="source"></select></label>
    <div class="row">
      <label>Width <input id="width" name="width" type="number" min="0" value="400"></label>
      <label>Height <input id="height" name="height" type="number" min="0" value="300"></label>
    </div>
    <div class="row">
      <label>Resizing <select id="type" name="type">
        <option>fit</option><option>fill</option><option>fill-down</option><option>force</option><option>auto</option>
      </select></label>
      <label>Gravity <select id="gravity" name="gravity">
        <option value="ce">center</option><option value="sm">smart</option><option value="no">north</option>
        <option value="so">south</option><option value="ea">east</option><option value="we">west</option>
      </select></label>
    </div>
    <div class="row">
      <label>Quality <input id="quality" name="quality" type="number" min="0" max="100" placeholder="default"></label>
      <label>Format <select id="format" name="format">
        <option value="">as source</option><option>jpg</option><option>png</option><option>webp</option>
        <option>avif</option><option>gif</option>
      </select></label>
    </div>
    <div class="row">
      <label>Blur <input id="blur" name="blur" type="number" min="0" step="0.5" value="0"></label>
      <label>Sharpen <input id="sharpen" name="sharpen" type="number" min="0" step="0.5" value="0"></label>
    </div>
    <label>More options <input id="extra" name="extra" placeholder="e.g. bg:ffffff/rot:90"></label>
  </form>
  <section>
    <p class="url"><a id="url" href="#" target="_blank"></a></p>
    <p id="error"></p>
    <div class="panes">
      <figure>
        <img id="result" alt="result">
        <figcaption>Result: <span><b id="dims"></b></span> <span><b id="size"></b></span>
          <span><b id="time"></b></span> <span id="type-out"></span> <span id="cache"></span></figcaption>
      </figure>
      <figure>
        <img id="original" alt="original">
        <figcaption>Original: <span><b id="original-dims"></b></span> <span><b id="original-size"></b></span></figcaption>
      </figure>
    </div>
  </section>
</main>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const form = $('form');
  let seq = 0;
  let timer;

  const kb = (n) => (n < 1024 ? n + ' B' : (n / 1024).toFixed(1) + ' KB');

  function optionsPath() {
    const v = (id) => $(id).value.trim();
    const parts = [];
    if (v('width') || v('height')) parts.push(['rs', v('type'), v('width') || 0, v('height') || 0].join(':'));
    if (v('gravity') !== 'ce') parts.push('g:' + v('gravity'));
    if (v('quality')) parts.push('q:' + v('quality'));
    if (Number(v('blur')) > 0) parts.push('bl:' + v('blur'));
    if (Number(v('sharpen')) > 0) parts.push('sh:' + v('sharpen'));
    if (v('extra')) parts.push(v('extra').replace(/^\\/+|\\/+$/g, ''));
    return parts.join('/');
  }

  async function show(img, url, out) {
    const started = performance.now();
    const res = await fetch(url);
    if (!res.ok) throw new Error(res.status + ': ' + (await res.text()));
    const blob = await res.blob();
    const ms = performance.now() - started;
    const old = img.src;
    img.src = URL.createObjectURL(blob);
    await img.decode();
    if (old.startsWith('blob:')) URL.revokeObjectURL(old);
    out.dims.textContent = img.naturalWidth + '\\u00d7' + img.naturalHeight;
    out.size.textContent = kb(blob.size);
    if (out.time) out.time.textContent = Math.round(ms) + ' ms';
    if (out.type) out.type.textContent = res.headers.get('content-type') || '';
    if (out.cache) out.cache.textContent = res.headers.get('x-cache') ? 'cache: ' + res.headers.get('x-cache') : '';
  }

  async function update() {
    const mine = ++seq;
    const q = new URLSearchParams({ source: $('source').value, options: optionsPath(), format: $('format').value });
    $('error').textContent = '';
    try {
      const signed = await (await fetch('_playground/sign?' + q)).json();
      if (mine !== seq) return;
      if (signed.error) throw new Error(signed.error);
      $('url').textContent = signed.url;
      $('url').href = signed.url;
      await Promise.all([
        show($('result'), signed.url, { dims: $('dims'), size: $('size'), time: $('time'), type: $('type-out'), cache: $('cache') }),
        show($('original'), signed.original, { dims: $('original-dims'), size: $('original-size') }),
      ]);
      if (mine === seq) document.body.dataset.ready = String(mine);
    } catch (e) {
      if (mine === seq) $('error').textContent = e.message;
    }
  }

  form.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  });
  form.addEventListener('submit', (e) => e.preventDefault());

  fetch('_playground/sources').then((r) => r.json()).then(({ sources }) => {
    if (sources.length === 0) {
      $('error').textContent = 'No images to offer: set IMGPROXY_LOCAL_FILESYSTEM_ROOT to a folder of images.';
      return;
    }
    for (const s of sources) $('source').add(new Option(s.replace('local:///', ''), s));
    update();
  });
})();
</script>
</body>
</html>
`;
}
