// Listening while reading (issue #16), in headless Chromium: the shared synthetic interview's
// captions with its recording attached. The recording plays from the cursor's line (P), the line
// heard is highlighted, the keys move and speed it, a note made while listening keeps the time
// and plays from it, the media answers Range requests with the right bytes, and the words are
// corrected line by line from the keyboard; screenshots at 100, 150 and 200 % with axe-core.
//
// crates/idiograph-web/tests/browser.rs serves the study and runs this file with
// IDIOGRAPH_LISTEN_URL set (when the shared data is there); without it every test is skipped.

import { test } from "node:test";
import assert from "node:assert/strict";
import { axeCheck, servedBy, zoomed } from "./support.mjs";

const served = servedBy("IDIOGRAPH_LISTEN_URL");
const { base: BASE, skip } = served;

const open = (zoom = 1) => zoomed(served.browser, zoom);

/** The transcript page, loaded, with the recording's length known. */
async function transcript(page) {
  await page.goto(BASE + "/transcripts/T1");
  await page.waitForSelector("#workbench[data-complete]");
  await page.waitForFunction(() => document.getElementById("media").readyState >= 1);
}

const media = (page) =>
  page.evaluate(() => {
    const m = document.getElementById("media");
    return { time: m.currentTime, paused: m.paused, rate: m.playbackRate, heard: document.querySelector(".line.heard")?.dataset.g };
  });

test("the recording plays from the cursor's line, follows the lines and keeps a note's time", { skip }, async () => {
  const { page, problems } = await open();
  await transcript(page);
  // Line 9 opens the participant's turn cued at 00:00:16.733.
  assert.equal(await page.locator("#L9").getAttribute("data-t"), "16733");
  assert.equal(await page.locator("#L3[data-t]").count(), 0, "a blank line has no time");
  // The page opens with the cursor on line 1, in the transcript.
  for (let i = 0; i < 8; i++) await page.keyboard.press("ArrowDown");
  await page.keyboard.press("p");
  await page.waitForFunction(() => document.querySelector(".line.heard")?.dataset.g === "9");
  let m = await media(page);
  assert.equal(m.paused, false);
  assert.ok(m.time < 20, `plays from line 9's time: ${m.time}`);
  assert.equal(m.heard, "9", "the line heard is highlighted");
  assert.match(await page.locator("#player-status").textContent(), /Playing from line 9 \(0:16\)/);
  const before = m.time;
  await page.keyboard.press("]");
  m = await media(page);
  assert.ok(m.time - before > 4.9 && m.time - before < 5.6, `] goes 5 s on: ${before} → ${m.time}`);
  await page.keyboard.press("[");
  await page.keyboard.press(">");
  const back = await media(page);
  assert.ok(m.time - back.time > 4.4 && m.time - back.time < 5.1, `[ goes 5 s back: ${m.time} → ${back.time}`);
  m = back;
  assert.equal(m.rate, 1.25);
  assert.equal(await page.locator("#speed").inputValue(), "1.25");
  // A note begun while listening keeps where the recording was.
  const at = (await media(page)).time;
  await page.keyboard.press("2");
  await page.locator("#composer-text").fill("the hesitation before 'not all the time'");
  await page.keyboard.press("Control+Enter");
  const card = page.locator(".ann.note").first();
  await card.waitFor();
  const heard = card.locator("[data-play-ms]");
  const ms = Number(await heard.getAttribute("data-play-ms"));
  assert.ok(Math.abs(ms / 1000 - at) < 0.6, `the note keeps ${at} s: ${ms} ms`);
  const note = await (await page.request.get(BASE + "/api/v1/notes")).json();
  assert.equal(note.notes[0].heard_ms, ms);
  await page.keyboard.press("p");
  assert.equal((await media(page)).paused, true, "P pauses");
  await page.locator("#L30 .ln").click();
  m = await media(page);
  assert.equal(m.paused, false, "a click on a line number plays from it");
  assert.ok(Math.abs(m.time - Number(await page.locator("#L30").getAttribute("data-t")) / 1000) < 1, `${m.time}`);
  await heard.click();
  assert.ok(Math.abs((await media(page)).time - ms / 1000) < 0.5, "the note's time plays from where it was heard");
  assert.deepEqual(problems, []);
  await page.context().close();
});

test("the recording is served in ranges, with exactly the bytes asked for", { skip }, async () => {
  const { page } = await open();
  const url = BASE + "/api/v1/transcripts/T1/recording";
  const whole = await page.request.get(url);
  assert.equal(whole.status(), 200);
  assert.equal(whole.headers()["accept-ranges"], "bytes");
  assert.equal(whole.headers()["content-type"], "audio/wav");
  const all = await whole.body();
  const part = await page.request.get(url, { headers: { Range: "bytes=1000000-1000999" } });
  assert.equal(part.status(), 206);
  assert.equal(part.headers()["content-range"], `bytes 1000000-1000999/${all.length}`);
  assert.ok((await part.body()).equals(all.subarray(1000000, 1001000)));
  const beyond = await page.request.get(url, { headers: { Range: `bytes=${all.length}-` } });
  assert.equal(beyond.status(), 416);
  await page.context().close();
});

test("the words are corrected line by line from the keyboard while listening", { skip }, async () => {
  const { page, problems } = await open();
  await transcript(page);
  for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowDown");
  await page.keyboard.press("c");
  assert.equal(await page.locator("#corrector-text").inputValue(), "Okay.");
  assert.match(await page.locator("#corrector-where").textContent(), /^Line 4/);
  await page.waitForFunction(() => !document.getElementById("media").paused);
  await page.locator("#corrector-text").fill("Okay, sure.");
  await page.keyboard.press("Control+Enter");
  // A new version: the page shows it with the next line with words open for correcting.
  await page.waitForFunction(() => document.getElementById("corrector").open && /^Line 6/.test(document.getElementById("corrector-where").textContent));
  assert.match(await page.locator("#L4 .lt").textContent(), /Participant: Okay, sure\.$/);
  assert.match(await page.locator("#corrector-text").inputValue(), /^Okay\. Okay\. So my first question/);
  await page.keyboard.press("Escape");
  const history = await (await page.request.get(BASE + "/api/v1/history")).json();
  assert.match(JSON.stringify(history), /correct the words of T1, p\. 1, l\. 4/);
  assert.equal(await page.locator("#L9").getAttribute("data-t"), "16733", "the times are the new version's too");
  for (const zoom of [1, 1.5, 2]) {
    const { page: zoomed } = await open(zoom);
    await transcript(zoomed);
    await axeCheck(zoomed, `listening-${zoom * 100}`);
    const bar = await zoomed.locator("#player").boundingBox();
    assert.ok(bar.height < 120 / zoom + 60, `the player stays a bar at ${zoom * 100} %: ${bar.height} px`);
    await zoomed.context().close();
  }
  assert.deepEqual(problems, []);
  await page.context().close();
});
