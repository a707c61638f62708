// Joins the release build's stylesheets into one file: trunk copies each
// <link data-trunk rel="css"> of index.html as its own hashed file, so a
// first visit made six requests for them, and gzip compressed each alone.
// One file, in the same order, is the same cascade in one request, and
// compresses better (shared selectors and custom properties).
//
//   node .ci/bundle-css.mjs [dist]
//
// Rewrites <dist>/index.html (the first stylesheet link now names the
// joined file; the others are removed) and deletes the separate files.
// `trunk serve` keeps them separate, which is fine for development.

import { createHash } from 'node:crypto';
import { readFile, writeFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

const dist = process.argv[2] ?? 'dist';
const index = join(dist, 'index.html');
const html = await readFile(index, 'utf8');

const links = [...html.matchAll(/<link\b[^>]*\brel="?stylesheet"?[^>]*>/g)];
const hrefs = links.map((m) => /\bhref="?\.\/([^" >]+\.css)"?/.exec(m[0])?.[1]);
if (links.length === 0 || hrefs.some((h) => !h)) {
  console.error(`bundle-css: expected relative stylesheet links in ${index}`);
  process.exit(1);
}
if (links.length === 1) {
  console.log(`bundle-css: ${index} already loads one stylesheet`);
  process.exit(0);
}

const parts = await Promise.all(hrefs.map((h) => readFile(join(dist, h), 'utf8')));
const css = parts.map((p, i) => `/* ${hrefs[i].replace(/-[0-9a-f]+\.css$/, '.css')} */\n${p.trim()}\n`).join('');
const name = `style-${createHash('sha256').update(css).digest('hex').slice(0, 16)}.css`;
await writeFile(join(dist, name), css);

let out = html.replace(links[0][0], `<link href=./${name} rel=stylesheet>`);
for (const m of links.slice(1)) out = out.replace(m[0], '');
await writeFile(index, out);
for (const h of hrefs) await unlink(join(dist, h));
console.log(`bundle-css: ${hrefs.join(', ')} -> ${name} (${css.length} bytes)`);
