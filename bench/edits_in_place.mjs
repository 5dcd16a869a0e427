// Measures changes shown in place (issue #15) in headless Chromium (Debian's /usr/bin/chromium
// through playwright-core from tests/browser/node_modules):
//
//   node bench/edits_in_place.mjs TRANSCRIPT_URL DEID_URL [notes=20] [decisions=8] [out.json]
//
// - note: on the transcript page, the cursor is moved down a line, `1` opens the composer, a
//   word is typed, and the time is taken from the Ctrl+Enter keydown to the first animation frame
//   after the new note's card is in the notes column (so it includes the POST, its durable
//   write, the parts request and the swap). Every note is a real one, stored in the project.
// - decision: on the pseudonymisation page, "Reject" on the first pending candidate, timed from
//   the click to the first frame after <main> was rendered again with the decision shown.
// Reported: each time, the median and the 95th percentile (nearest rank).
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.resolve(here, "../tests/browser/package.json"));
const { chromium } = require("playwright-core");

const [transcriptUrl, deidUrl] = process.argv.slice(2, 4);
const notes = Number(process.argv[4] || 20);
const decisions = Number(process.argv[5] || 8);
const out = process.argv[6];
if (!transcriptUrl || !deidUrl) {
  console.error("usage: node bench/edits_in_place.mjs TRANSCRIPT_URL DEID_URL [notes] [decisions] [out.json]");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
/** Thrown to stop after the notes when no decisions are asked for. */
class Done extends Error {}
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const rank = (p) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
  return { n: s.length, median: rank(50), p95: rank(95), max: s[s.length - 1] };
};
const result = {};
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(transcriptUrl, { waitUntil: "load" });
  await page.locator("#workbench[data-complete]").waitFor({ state: "attached" });
  await page.evaluate(() => {
    // The start: the Ctrl+Enter that saves; the end: the next frame after the card is there.
    window.__edit = { start: null, times: [] };
    document.addEventListener(
      "keydown",
      (e) => {
        if (e.key === "Enter" && e.ctrlKey) window.__edit.start = performance.now();
      },
      true,
    );
    new MutationObserver((records) => {
      for (const r of records) {
        for (const n of r.addedNodes) {
          if (n instanceof Element && n.matches(".ann.note") && n.textContent.includes("bench-note") && window.__edit.start !== null) {
            const start = window.__edit.start;
            window.__edit.start = null;
            requestAnimationFrame(() => setTimeout(() => window.__edit.times.push(performance.now() - start), 0));
          }
        }
      }
    }).observe(document.querySelector('[data-list="notes"]'), { childList: true });
  });
  for (let i = 0; i < notes; i++) {
    // Down to the next line with words on it.
    do await page.keyboard.press("ArrowDown");
    while (await page.evaluate(() => !document.querySelector(".line.cursor .lt").textContent.trim()));
    await page.keyboard.press("1");
    await page.locator("#composer").waitFor({ state: "visible" });
    await page.keyboard.type(`bench-note ${i}`);
    await page.keyboard.press("Control+Enter");
    await page.waitForFunction((n) => window.__edit.times.length > n, i);
  }
  const noteTimes = await page.evaluate(() => window.__edit.times);
  result.note = { ...stats(noteTimes), times: noteTimes };
  console.log(`key → note visible: median ${result.note.median.toFixed(1)} ms, p95 ${result.note.p95.toFixed(1)} ms (n=${notes})`);

  if (decisions === 0) throw new Done();
  await page.goto(deidUrl, { waitUntil: "load" });
  const decisionTimes = [];
  for (let i = 0; i < decisions; i++) {
    const button = page.locator('li.candidate[data-status="pending"]').first().getByRole("button", { name: /^Reject/ }).first();
    if (!(await button.count())) break;
    await page.evaluate(() => {
      const before = Number(document.documentElement.dataset.updates || 0);
      window.__decision = { before, start: null, time: null };
      document.addEventListener("click", () => (window.__decision.start ??= performance.now()), { capture: true, once: true });
      new MutationObserver((_, mo) => {
        if (Number(document.documentElement.dataset.updates || 0) > before) {
          mo.disconnect();
          requestAnimationFrame(() => setTimeout(() => (window.__decision.time = performance.now() - window.__decision.start), 0));
        }
      }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-updates"] });
    });
    await button.click();
    await page.waitForFunction(() => window.__decision.time !== null);
    decisionTimes.push(await page.evaluate(() => window.__decision.time));
  }
  result.decision = { ...stats(decisionTimes), times: decisionTimes };
  console.log(`decision shown: median ${result.decision.median.toFixed(1)} ms, p95 ${result.decision.p95.toFixed(1)} ms (n=${decisionTimes.length})`);
  await context.close();
} catch (e) {
  if (!(e instanceof Done)) throw e;
} finally {
  await browser.close();
}
if (out) writeFileSync(out, JSON.stringify(result, null, 2));
