// Landing on a search hit (issue #15), in headless Chromium: the words of one query found
// together in a passage are one hit with each word marked, the counts say hits and passages,
// and following a hit far down a long transcript stops its line below the sticky headers, inside
// the window, flashing it (without the flash when the reader asks for less motion).
//
// crates/idiograph-web/tests/browser.rs serves a study whose one transcript is a long interview
// with "kingfisher" said alone in one turn and with "lantern" in a later one, and runs this file
// with IDIOGRAPH_LONG_URL set; without it every test is skipped.

import { test } from "node:test";
import assert from "node:assert/strict";
import { axeCheck, pageWithProblems, servedBy } from "./support.mjs";

const served = servedBy("IDIOGRAPH_LONG_URL");
const { base: BASE, skip } = served;

/** A page in a window of 1280 × 720 CSS px, with `reducedMotion` as the reader set it. */
function open(reducedMotion) {
  return pageWithProblems(served.browser, { viewport: { width: 1280, height: 720 }, reducedMotion });
}

/** Searches, checks the hit list, and follows the hit with both words to its line. */
async function followTheHit(page) {
  await page.goto(BASE + "/search?q=kingfisher+OR+lantern");
  assert.equal((await page.textContent("#hit-count")).trim(), "2 hits in 2 passages");
  const hits = page.locator("ol.hits > li");
  assert.equal(await hits.count(), 2, "each passage's words are one hit, not one hit per word");
  assert.deepEqual(await hits.nth(0).locator("mark").allTextContents(), ["kingfisher"]);
  assert.deepEqual(await hits.nth(1).locator("mark").allTextContents(), ["kingfisher", "lantern"]);
  const href = await hits.nth(1).locator("a").getAttribute("href");
  assert.match(href, /^\/transcripts\/T1#L\d+$/);
  const loaded = page.waitForEvent("load");
  await hits.nth(1).locator("a").click();
  await loaded;
  // A long transcript's later lines come in chunks after the page: the line is there when the
  // last one is.
  await page.locator("#workbench[data-complete]").waitFor({ state: "attached" });
  // Two frames: the scripts of the page have laid it out and the browser has scrolled to the line.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  return href.split("#")[1];
}

/** Where the line `id`, the sticky headers and the window are, in CSS px from the window's top. */
async function landing(page, id) {
  return page.evaluate((id) => {
    const line = document.getElementById(id);
    const box = line.getBoundingClientRect();
    const sticky = [document.querySelector(".topbar"), document.getElementById("tx-h")].map((e) => e.getBoundingClientRect().bottom);
    return {
      top: box.top,
      bottom: box.bottom,
      headers: Math.max(...sticky),
      height: window.innerHeight,
      scrolled: window.scrollY,
      text: line.textContent,
      animation: getComputedStyle(line).animationName,
      target: line.matches(":target"),
    };
  }, id);
}

test("a hit far down a long transcript lands below the sticky headers and flashes", { skip }, async () => {
  const { page, problems } = await open("no-preference");
  const id = await followTheHit(page);
  const at = await landing(page, id);
  assert.ok(at.target, `${id} is the page's target`);
  assert.match(at.text, /kingfisher again, a small lantern/);
  assert.ok(at.scrolled > 3 * at.height, `the line is far down the transcript (scrolled ${at.scrolled} px)`);
  assert.ok(at.top >= at.headers, `the line's top (${at.top}) is below the sticky headers' bottom (${at.headers})`);
  assert.ok(at.bottom <= at.height, `the line (bottom ${at.bottom}) is inside the window (${at.height})`);
  assert.equal(at.animation, "line-arrival", "the line flashes on arrival");
  await axeCheck(page, "landing-on-a-hit");
  assert.deepEqual(problems, [], "errors in the page (CSP violations show here)");
  await page.context().close();
});

test("with reduced motion the line lands the same, without the flash", { skip }, async () => {
  const { page, problems } = await open("reduce");
  const id = await followTheHit(page);
  const at = await landing(page, id);
  assert.ok(at.top >= at.headers && at.bottom <= at.height, `the line lands in view: ${JSON.stringify(at)}`);
  assert.equal(at.animation, "none");
  assert.deepEqual(problems, []);
  await page.context().close();
});
