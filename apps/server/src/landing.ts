/** The page `/` answers with, like imgproxy's landing page. */
export function landingPage(): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Tintype</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:.1em .3em;border-radius:3px}</style>
</head>
<body>
<h1>Tintype</h1>
<p>An image server that speaks imgproxy's URL language and caches every variant it computes.</p>
<p>Build a URL like <code>/&lt;signature&gt;/rs:fit:300:200/plain/&lt;source URL&gt;@webp</code> to get a resized image.</p>
<p>Health: <a href="health">/health</a></p>
</body>
</html>
`;
}
