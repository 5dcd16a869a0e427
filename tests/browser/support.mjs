// What the browser tests share: launching Debian's Chromium and the screenshot plus axe-core
// check every page gets.

import { before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
/** Where screenshots go. */
export const artifacts = path.resolve(here, "../../test-artifacts");
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** Launches headless Chromium (no download: /usr/bin/chromium or $CHROMIUM). */
export async function launch() {
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** Screenshots the page as `name` and fails on serious or critical axe-core violations. */
export async function axeCheck(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: false });
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  const serious = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(serious, [], `${name}: axe found serious or critical violations:\n${JSON.stringify(serious, null, 2)}`);
}

/** A page in a browser context of its own (`options` as for `browser.newContext`), and the page
 *  errors and console errors it logs (CSP violations show there). */
export async function pageWithProblems(browser, options) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  return { page, problems };
}

/** A page as a reader who zoomed to `zoom` (1 = 100 %) sees it on a 1280 × 900 window: the
 *  viewport shrinks and every pixel grows, as browser zoom does. */
export function zoomed(browser, zoom = 1) {
  return pageWithProblems(browser, {
    viewport: { width: Math.round(1280 / zoom), height: Math.round(900 / zoom) },
    deviceScaleFactor: zoom,
  });
}

/** The server a test file runs against, from the environment variable `variable` (set by
 *  crates/idiograph-web/tests/browser.rs): its address `base`, the `skip` reason when it is not
 *  set, and `browser`, a Chromium launched before the file's tests and closed after them. */
export function servedBy(variable) {
  const base = process.env[variable]?.replace(/\/$/, "");
  const skip = base ? false : `${variable} is not set (run through cargo test -p idiograph-web --test browser)`;
  const served = { base, skip, browser: null };
  before(async () => {
    if (!skip) served.browser = await launch();
  });
  after(async () => {
    await served.browser?.close();
  });
  return served;
}
