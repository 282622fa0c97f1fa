/**
 * The page `/` answers with, like imgproxy's: who answers here and where to read more. It names
 * nothing about the configuration, so it tells a visitor no more than the Server header does.
 */
export function landingPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hey, I'm Tintype!</title>
<style>
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #14110f; color: #f4ede4;
    font: 20px/1.5 Georgia, 'Times New Roman', serif; }
  main { max-width: 40rem; padding: 2rem; text-align: center; }
  h1 { font-size: 3rem; margin: 0 0 1rem; letter-spacing: .04em; }
  .plate { display: inline-block; width: 96px; height: 72px; border: 6px solid #b08d57; border-radius: 6px;
    background: linear-gradient(135deg, #5a4632, #c9b08a 55%, #2b2118); margin-bottom: 1.5rem; }
  a { color: #e0b872; }
  code { font-size: .85em; background: #2a241f; padding: .1em .35em; border-radius: 4px; }
</style>
</head>
<body>
<main>
  <div class="plate" aria-hidden="true"></div>
  <h1>Tintype</h1>
  <p>Hey, I'm Tintype&mdash;an image server that speaks imgproxy's URL language and keeps every variant it computes in its cache.</p>
  <p>Ask me for <code>/&lt;signature&gt;/rs:fit:300:200/plain/&lt;source URL&gt;@webp</code>.</p>
  <p><a href="health">Health</a></p>
</main>
</body>
</html>
`;
}
