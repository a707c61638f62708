// Draws message tokens on an OffscreenCanvas in a Web Worker, so that
// animating hundreds of messages costs the page's main thread nothing.
// The page sends the messages in flight (positions in the 1000 × 600
// view box, send and due times in virtual ms) whenever its frame changes,
// as a Float64Array: a header (now, wall clock, speed, playing, reduced)
// then TOKEN numbers per message (x0, y0, x1, y1, sent, due, kind, flags,
// where a held one stopped);
// this worker interpolates them every animation frame from the virtual
// clock (virtual now + real elapsed × speed while playing).
'use strict';
let canvas = null;
let ctx = null;
let w = 1000;
let h = 600;
let dpr = 1;
let colors = { app: '#3f51d6', publish: '#c2570c', deliver: '#0f8a6a', ack: '#6b7280', held: '#a15c00', bad: '#c0262d', ring: '#ffffff' };
const TOKEN = 9;
let tokens = new Float64Array(0);
let falls = [];
let clock = { now: 0, at: 0, speed: 1, playing: false, reduced: false };
let scheduled = false;
const KINDS = ['app', 'publish', 'deliver', 'ack'];

const realNow = () => performance.timeOrigin + performance.now();

function virtualNow() {
  if (!clock.playing || clock.reduced) return clock.now;
  return clock.now + (realNow() - clock.at) * clock.speed;
}

function shape(kind, x, y, r) {
  switch (kind) {
    case 0: // app: circle
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 6.2832);
      break;
    case 1: // publish: square
      ctx.rect(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8);
      break;
    case 2: // deliver: diamond
      ctx.moveTo(x, y - r * 1.2);
      ctx.lineTo(x + r * 1.2, y);
      ctx.lineTo(x, y + r * 1.2);
      ctx.lineTo(x - r * 1.2, y);
      ctx.closePath();
      break;
    default: // ack: triangle
      ctx.moveTo(x, y - r * 1.1);
      ctx.lineTo(x + r * 1.1, y + r * 0.9);
      ctx.lineTo(x - r * 1.1, y + r * 0.9);
      ctx.closePath();
  }
}

function draw() {
  scheduled = false;
  if (!ctx) return;
  const now = virtualNow();
  const sx = (w * dpr) / 1000;
  const sy = (h * dpr) / 600;
  const r = 5 * dpr;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.lineWidth = 1.5 * dpr;
  // Each kind in one path: fill, then a thin ring in the surface colour.
  for (let k = 0; k < 4; k++) {
    ctx.beginPath();
    let any = false;
    for (let t = 0; t < tokens.length; t += TOKEN) {
      if (tokens[t + 6] !== k) continue;
      const f = position(t, now);
      const y = tokens[t + 1] + (tokens[t + 3] - tokens[t + 1]) * f;
      const x = tokens[t] + (tokens[t + 2] - tokens[t]) * f;
      shape(k, x * sx, y * sy - (tokens[t + 7] & 1 ? 9 * dpr : 0), r);
      any = true;
    }
    if (!any) continue;
    ctx.fillStyle = colors[KINDS[k]];
    ctx.fill();
    ctx.strokeStyle = colors.ring;
    ctx.stroke();
  }
  // Duplicates: a dashed ring; held messages: a ring in the held colour.
  ctx.setLineDash([2 * dpr, 2 * dpr]);
  ctx.beginPath();
  let copies = false;
  for (let t = 0; t < tokens.length; t += TOKEN) {
    if (!(tokens[t + 7] & 1)) continue;
    const f = position(t, now);
    const x = (tokens[t] + (tokens[t + 2] - tokens[t]) * f) * sx;
    const y = (tokens[t + 1] + (tokens[t + 3] - tokens[t + 1]) * f) * sy - 9 * dpr;
    ctx.moveTo(x + r + 3 * dpr, y);
    ctx.arc(x, y, r + 3 * dpr, 0, 6.2832);
    copies = true;
  }
  if (copies) {
    ctx.strokeStyle = colors.ack;
    ctx.stroke();
  }
  ctx.setLineDash([]);
  ctx.beginPath();
  let held = false;
  for (let t = 0; t < tokens.length; t += TOKEN) {
    if (!(tokens[t + 7] & 2)) continue;
    const x = (tokens[t] + (tokens[t + 2] - tokens[t]) * tokens[t + 8]) * sx;
    const y = (tokens[t + 1] + (tokens[t + 3] - tokens[t + 1]) * tokens[t + 8]) * sy;
    ctx.moveTo(x + r + 3 * dpr, y);
    ctx.arc(x, y, r + 3 * dpr, 0, 6.2832);
    held = true;
  }
  if (held) {
    ctx.strokeStyle = colors.held;
    ctx.lineWidth = 2 * dpr;
    ctx.stroke();
  }
  // Dropped messages fall and fade, with a cross.
  const real = realNow();
  falls = falls.filter((d) => real - d.at < 800);
  for (const d of falls) {
    const p = clock.reduced ? 0 : Math.min(1, (real - d.at) / 800);
    const x = d.x * sx;
    const y = d.y * sy + p * 34 * dpr;
    ctx.globalAlpha = clock.reduced ? 0.8 : 1 - p;
    ctx.beginPath();
    shape(d.k, x, y, r);
    ctx.fillStyle = colors[KINDS[d.k]] || colors.app;
    ctx.fill();
    ctx.strokeStyle = colors.bad;
    ctx.lineWidth = 2 * dpr;
    ctx.beginPath();
    ctx.moveTo(x + 8 * dpr, y - 12 * dpr);
    ctx.lineTo(x + 14 * dpr, y - 6 * dpr);
    ctx.moveTo(x + 14 * dpr, y - 12 * dpr);
    ctx.lineTo(x + 8 * dpr, y - 6 * dpr);
    ctx.stroke();
    ctx.globalAlpha = 1;
  }
  if ((clock.playing && !clock.reduced && tokens.length) || falls.length) schedule();
}

// Where token `t` (its first index in `tokens`) is along its lane, 0 to 1.
function position(t, now) {
  if (tokens[t + 7] & 2) return tokens[t + 8];
  const span = Math.max(1, tokens[t + 5] - tokens[t + 4]);
  return Math.min(1, Math.max(0, (now - tokens[t + 4]) / span));
}

function schedule() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(draw);
}

self.onmessage = (e) => {
  const m = e.data;
  if (m.canvas) {
    canvas = m.canvas;
    ctx = canvas.getContext('2d');
  }
  if (m.size) {
    [w, h, dpr] = m.size;
    if (canvas) {
      canvas.width = Math.max(1, Math.round(w * dpr));
      canvas.height = Math.max(1, Math.round(h * dpr));
    }
  }
  if (m.colors) colors = m.colors;
  if (m.frame) {
    const f = m.frame;
    clock = { now: f[0], at: f[1], speed: f[2], playing: f[3] === 1, reduced: f[4] === 1 };
    tokens = f.subarray(5);
  }
  if (m.falls) {
    const at = realNow();
    for (const d of JSON.parse(m.falls)) falls.push({ x: d[0], y: d[1], k: d[2], at });
    if (falls.length > 80) falls.splice(0, falls.length - 80);
  }
  schedule();
};
