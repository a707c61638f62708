// Writes the Content-Security-Policy a host should send with Converge's
// release build: reads <dist>/index.html, hashes trunk's inline loader
// script (its text changes with every build, because it names the
// content-hashed .js and .wasm files), and writes the header line to
// <dist>/csp.txt.
//
//   node .ci/csp-header.mjs [dist]
//
// Fails if index.html has anything else the policy would block: an inline
// <style>, a style="" attribute or an on…="" handler.

import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const dist = process.argv[2] ?? 'dist';
const html = await readFile(join(dist, 'index.html'), 'utf8');

const problems = [];
if (/<style[\s>]/i.test(html)) problems.push('an inline <style> element');
if (/<[^>]*\sstyle\s*=/i.test(html)) problems.push('a style="" attribute');
if (/<[^>]*\son[a-z]+\s*=/i.test(html)) problems.push('an inline event handler');
if (problems.length) {
  console.error(`csp-header: ${dist}/index.html has ${problems.join(', ')}, which the policy blocks`);
  process.exit(1);
}

const hashes = [];
for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
  if (/\ssrc\s*=/i.test(m[1])) continue;
  hashes.push(`'sha256-${createHash('sha256').update(m[2], 'utf8').digest('base64')}'`);
}
if (hashes.length === 0) {
  console.error(`csp-header: no inline loader script in ${dist}/index.html`);
  process.exit(1);
}

// Each directive is what the app needs, and nothing else:
//   script-src   its module script and the inline loader; wasm compilation
//   style-src    its stylesheets (styles set from code go through the CSSOM)
//   connect-src  fetching the .wasm
//   img-src      the favicon
//   worker-src   the token-drawing worker, started from a blob: URL
const policy = [
  "default-src 'none'",
  `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(' ')}`,
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  'worker-src blob:',
].join('; ');
await writeFile(join(dist, 'csp.txt'), `Content-Security-Policy: ${policy}\n`);
console.log(`${dist}/csp.txt: Content-Security-Policy: ${policy}`);
