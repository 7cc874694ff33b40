import { html } from 'hono/html';

/** A plain page frame for the fakes' own screens (Shopify install, WooCommerce authorize). */
export function fakePage(title: string, brand: string, body: ReturnType<typeof html>) {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
<title>${title}</title>
<style>
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#202223;background:#f1f2f4}
main{max-width:30rem;margin:2rem auto;padding:0 1rem}.card{background:#fff;border-radius:.75rem;padding:1.5rem;box-shadow:0 1px 2px rgba(0,0,0,.15)}
.brand{font-weight:700;color:#4a4a4a;margin:0 0 1rem}h1{font-size:1.35rem;margin:0 0 .75rem}ul{padding-left:1.25rem}
.actions{display:flex;gap:.75rem;justify-content:flex-end;flex-wrap:wrap;margin-top:1.25rem}
button{font:inherit;font-weight:600;border-radius:.5rem;padding:.6rem 1.25rem;min-height:2.75rem;cursor:pointer;border:1px solid #8a8a8a;background:#fff;color:#202223}
button.primary{background:#1a1a1a;border-color:#1a1a1a;color:#fff}
button:focus-visible{outline:3px solid #2c6ecb;outline-offset:2px}.note{font-size:.9rem;color:#4a4a4a;overflow-wrap:anywhere}
</style></head>
<body><main><div class="card"><p class="brand">${brand}</p>${body}</div></main></body></html>`;
}
