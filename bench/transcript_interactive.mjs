// Measures how long the three-column transcript page takes to become interactive in headless
// Chromium (Debian's /usr/bin/chromium through playwright-core from tests/browser/node_modules).
//
//   node bench/transcript_interactive.mjs http://127.0.0.1:PORT/transcripts/T1 [runs=5] [out.json]
//
// Each run opens the page in a fresh browser context (cold cache) and records, relative to the
// navigation start (performance timeline, ms):
//   ttfb           responseStart (the server's time to render the page, plus loopback)
//   response_end   responseEnd (whole HTML received)
//   dom_interactive, dcl_end, load_end   the navigation timing marks
//   aligned        when transcript.js's layout() had positioned every margin card for the first
//                  time (both .ann-list elements have class "aligned"; seen by a MutationObserver
//                  installed before any page script runs), and the last card's top is non-zero
//   settled        the last style change on any card (layout() runs again on document.fonts.ready)
//   last_long_task_end  end of the last main-thread task longer than 50 ms
//   interactive    max(load_end, aligned, last_long_task_end): the page is loaded, the
//                  margins are aligned and the main thread is free
//   ready          transcript.js's `idg:ready` mark: the lines sent with the page are laid out
//                  with their cards, and the keys are handled
//   usable         max(first_contentful_paint, ready): issue #15's "first paint of the visible
//                  lines and key handling ready"
//   complete       the `idg:complete` mark: a long transcript's last chunk is in
// and, after that, two interactions timed inside the page: clicking a note card (highlights its
// span) and pressing J (moves to the next annotation), each until the next animation frame.
// With BENCH_TRACE=trace.json, one extra run is recorded as a Chrome trace and summarised as
// self time per trace event on the renderer main thread (ParseHTML, Layout, UpdateLayoutTree…).
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.resolve(here, "../tests/browser/package.json"));
const { chromium } = require("playwright-core");

const url = process.argv[2];
const runs = Number(process.argv[3] || 5);
const out = process.argv[4];
if (!url) {
  console.error("usage: node bench/transcript_interactive.mjs URL [runs] [out.json]");
  process.exit(2);
}

const instrument = () => {
  window.__bench = { aligned: null, settled: null, longTasks: [] };
  try {
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.__bench.longTasks.push([e.startTime, e.duration]);
    }).observe({ type: "longtask", buffered: true });
  } catch (e) {
    window.__bench.longTaskError = String(e);
  }
  const mo = new MutationObserver((records) => {
    const now = performance.now();
    for (const r of records) {
      const el = r.target;
      if (!(el instanceof Element)) continue;
      if (el.classList.contains("ann")) window.__bench.settled = now;
      if (r.attributeName === "class" && el.classList.contains("ann-list") && window.__bench.aligned === null) {
        const lists = document.querySelectorAll(".ann-list");
        if ([...lists].every((l) => l.classList.contains("aligned"))) {
          const cards = document.querySelectorAll(".ann-list .ann");
          const last = cards[cards.length - 1];
          window.__bench.aligned = now;
          window.__bench.lastCardTop = last ? parseFloat(last.style.top || "0") : null;
        }
      }
    }
  });
  mo.observe(document, { subtree: true, attributes: true, attributeFilter: ["class", "style"] });
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const results = [];
try {
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.addInitScript(instrument);
    const t0 = Date.now();
    await page.goto(url, { waitUntil: "load", timeout: 60_000 });
    await page.waitForFunction(() => window.__bench.aligned !== null, null, { timeout: 60_000 });
    await page.waitForFunction(() => performance.getEntriesByName("idg:complete").length > 0, null, { timeout: 60_000 });
    const goto_wall = Date.now() - t0;
    // Let fonts.ready's second layout() and any long task finish.
    await page.waitForTimeout(1500);
    const m = await page.evaluate(() => {
      const n = performance.getEntriesByType("navigation")[0];
      const b = window.__bench;
      const lastLong = b.longTasks.reduce((acc, [s, d]) => Math.max(acc, s + d), 0);
      const paints = Object.fromEntries(performance.getEntriesByType("paint").map((p) => [p.name, p.startTime]));
      const mark = (name) => performance.getEntriesByName(name)[0]?.startTime ?? null;
      const ready = mark("idg:ready");
      return {
        ready,
        usable: Math.max(paints["first-contentful-paint"] ?? 0, ready ?? Infinity),
        complete: mark("idg:complete"),
        ttfb: n.responseStart,
        response_end: n.responseEnd,
        dom_interactive: n.domInteractive,
        dcl_end: n.domContentLoadedEventEnd,
        load_end: n.loadEventEnd,
        first_contentful_paint: paints["first-contentful-paint"] ?? null,
        aligned: b.aligned,
        settled: b.settled,
        last_card_top_px: b.lastCardTop,
        long_tasks: b.longTasks.length,
        long_task_ms: b.longTasks.reduce((acc, [, d]) => acc + d, 0),
        last_long_task_end: lastLong,
        interactive: Math.max(n.loadEventEnd, b.aligned, lastLong),
        html_bytes: n.transferSize || n.encodedBodySize,
        decoded_bytes: n.decodedBodySize,
        dom_nodes: document.getElementsByTagName("*").length,
        lines: document.querySelectorAll("#transcript .line").length,
        note_cards: document.querySelectorAll(".ann.note").length,
        marked_segments: document.querySelectorAll("#transcript [data-ids]").length,
      };
    });
    // Interactions: click a card in the middle; press J. Each timed until the next frame.
    const inter = await page.evaluate(async () => {
      const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      const cards = document.querySelectorAll(".ann.note");
      const card = cards[Math.floor(cards.length / 2)];
      let t = performance.now();
      card.click();
      await frame();
      const click_card_ms = performance.now() - t;
      const ok = card.classList.contains("active");
      t = performance.now();
      document.dispatchEvent(new KeyboardEvent("keydown", { key: "j", bubbles: true }));
      await frame();
      const key_j_ms = performance.now() - t;
      return { click_card_ms, click_card_ok: ok, key_j_ms };
    });
    const r = { run: i + 1, goto_wall_ms: goto_wall, ...m, ...inter, errors };
    results.push(r);
    console.log(
      `run ${i + 1}: ttfb ${m.ttfb.toFixed(1)}  responseEnd ${m.response_end.toFixed(1)}  DCL ${m.dcl_end.toFixed(1)}  ` +
        `load ${m.load_end.toFixed(1)}  aligned ${m.aligned?.toFixed(1)}  settled ${m.settled?.toFixed(1)}  ` +
        `long tasks ${m.long_tasks} (${m.long_task_ms.toFixed(0)} ms, last end ${m.last_long_task_end.toFixed(1)})  ` +
        `INTERACTIVE ${m.interactive.toFixed(1)} ms  USABLE ${m.usable.toFixed(1)} ms  complete ${m.complete?.toFixed(1)} ms | click ${inter.click_card_ms.toFixed(1)} ms, J ${inter.key_j_ms.toFixed(1)} ms` +
        (errors.length ? `  ERRORS ${errors.join("; ")}` : ""),
    );
    await context.close();
  }
} finally {
  await browser.close();
}
// One more run under a Chrome trace, summarised as self time per event on the renderer's
// main thread: where the time to interactive goes (HTML parsing, style, layout, script…).
let traceSummary = null;
if (process.env.BENCH_TRACE) {
  const b2 = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const context = await b2.newContext({ viewport: { width: 1440, height: 1000 } });
    const page = await context.newPage();
    await page.addInitScript(instrument);
    await b2.startTracing(page, {
      path: process.env.BENCH_TRACE,
      categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute", "blink", "loading"],
    });
    await page.goto(url, { waitUntil: "load", timeout: 60_000 });
    await page.waitForFunction(() => window.__bench.aligned !== null, null, { timeout: 60_000 });
    await page.waitForTimeout(500);
    await b2.stopTracing();
    traceSummary = summariseTrace(JSON.parse(readFileSync(process.env.BENCH_TRACE, "utf8")));
    console.log("trace: self time on the renderer main thread, ms (top 15):");
    for (const [name, ms] of traceSummary.slice(0, 15)) console.log(`  ${name.padEnd(40)} ${ms.toFixed(1)}`);
  } finally {
    await b2.close();
  }
}

function summariseTrace(trace) {
  const events = trace.traceEvents || trace;
  const main = new Set();
  for (const e of events) {
    if (e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrRendererMain") main.add(`${e.pid}:${e.tid}`);
  }
  const byThread = new Map();
  for (const e of events) {
    if (e.ph !== "X" || !main.has(`${e.pid}:${e.tid}`) || typeof e.dur !== "number") continue;
    const k = `${e.pid}:${e.tid}`;
    if (!byThread.has(k)) byThread.set(k, []);
    byThread.get(k).push(e);
  }
  const self = new Map();
  for (const list of byThread.values()) {
    list.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    const stack = [];
    for (const e of list) {
      while (stack.length && stack[stack.length - 1].ts + stack[stack.length - 1].dur <= e.ts) stack.pop();
      const parent = stack[stack.length - 1];
      if (parent) self.set(parent.name, (self.get(parent.name) || 0) - e.dur);
      self.set(e.name, (self.get(e.name) || 0) + e.dur);
      stack.push(e);
    }
  }
  return [...self.entries()].map(([n, us]) => [n, us / 1000]).sort((a, b) => b[1] - a[1]);
}

const med = (k) => {
  const v = results.map((r) => r[k]).filter((x) => typeof x === "number").sort((a, b) => a - b);
  return v.length ? v[Math.floor((v.length - 1) / 2)] : null;
};
const keys = ["ttfb", "response_end", "dom_interactive", "dcl_end", "load_end", "first_contentful_paint", "aligned",
  "settled", "last_long_task_end", "long_task_ms", "interactive", "ready", "usable", "complete", "click_card_ms", "key_j_ms"];
const summary = Object.fromEntries(keys.map((k) => [k, med(k)]));
const first = results[0] || {};
console.log("median:", JSON.stringify(summary));
console.log(`page: ${first.decoded_bytes} bytes HTML, ${first.dom_nodes} elements, ${first.lines} lines, ` +
  `${first.note_cards} note cards, ${first.marked_segments} marked segments`);
if (out) writeFileSync(out, JSON.stringify({ url, runs: results, median: summary, trace_self_ms: traceSummary }, null, 1));
