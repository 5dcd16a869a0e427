// The interview guide page (issue #21), in headless Chromium: the demo's guide with every
// participant's answers side by side, confirming the questions of a transcript with one turn
// changed from the keyboard, adding a question and importing a guide document through the forms,
// and the answers workbook; screenshots at 100, 150 and 200 % with axe-core checks.
//
// crates/idiograph-web/tests/browser.rs serves a demo study of its own and runs this file with
// IDIOGRAPH_GUIDE_URL set; without it every test is skipped.

import { test } from "node:test";
import assert from "node:assert/strict";
import { axeCheck, servedBy, zoomed } from "./support.mjs";

const served = servedBy("IDIOGRAPH_GUIDE_URL");
const { base: BASE, skip } = served;

const open = (zoom = 1) => zoomed(served.browser, zoom);

test("the guide shows every participant's answers side by side with citations", { skip }, async () => {
  const { page, problems } = await open();
  await page.goto(BASE + "/guide");
  assert.equal(await page.locator("h1").textContent(), "Interview guide");
  assert.equal(await page.locator("ol.guide > li").count(), 8);
  const q1 = page.locator("section.question-answers").first();
  assert.match(await q1.locator("h3").textContent(), /Q1 Could you tell me how you came to join a Balint group/);
  const names = await q1.locator("article.answer h4").allTextContents();
  assert.deepEqual(names, ["Olivia", "Rachel", "Tom"]);
  const cite = q1.locator("article.answer").nth(1).locator(".cite a");
  assert.match(await cite.textContent(), /^\(Rachel, p\. 1, ll\. \d+–\d+\)$/);
  assert.match(await cite.getAttribute("href"), /^\/transcripts\/T\d+#L\d+$/);
  assert.doesNotMatch(await q1.locator("blockquote").nth(1).textContent(), /Rachel:|Interviewer:/);
  // Olivia was not asked what hearing others' cases was like: her cell says so.
  const q4 = page.locator("section.question-answers").nth(3);
  assert.equal((await q4.locator("article.answer").first().locator("p.muted").textContent()).trim(), "Not asked.");
  for (const zoom of [1, 1.5, 2]) {
    const { page: zoomed } = await open(zoom);
    await zoomed.goto(BASE + "/guide#answers-h");
    await axeCheck(zoomed, `guide-answers-${zoom * 100}`);
    const overflow = await zoomed.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling at ${zoom * 100} %: ${overflow} px`);
    await zoomed.context().close();
  }
  const xlsx = await page.request.get(BASE + "/api/v1/guide/answers/xlsx");
  assert.equal(xlsx.status(), 200);
  assert.equal(xlsx.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  assert.deepEqual(problems, []);
});

test("a transcript's questions are confirmed with one turn changed from the keyboard", { skip }, async () => {
  const { page, problems } = await open();
  await page.goto(BASE + "/guide");
  const loaded = page.waitForEvent("load");
  await page.getByRole("link", { name: /^T1 / }).click();
  await loaded;
  const selects = page.locator("form.match select");
  assert.equal(await selects.count(), 15);
  await axeCheck(page, "guide-match");
  // The second turn ("So you didn't have much of a picture…") follows up Q1: set it to no
  // question with the keyboard alone, then confirm.
  await selects.nth(1).focus();
  await page.keyboard.press("Home");
  assert.equal(await selects.nth(1).inputValue(), "");
  const confirmed = page.waitForEvent("load");
  await page.getByRole("button", { name: "Confirm the questions of T1" }).press("Enter");
  await confirmed;
  await page.locator("#flash.show").waitFor();
  assert.match(await page.textContent("#flash"), /Confirmed 14 of 15 interviewer turns of T1/);
  assert.equal(await page.locator("form.match select").nth(1).inputValue(), "");
  const m = await (await page.request.get(BASE + "/api/v1/guide/match/T1")).json();
  assert.equal(m.turns[1].confirmed, null);
  assert.equal(m.turns[0].confirmed, "Q1");
  assert.deepEqual(problems, []);
});

test("questions are added and a guide document imported through the forms", { skip }, async () => {
  const { page, problems } = await open();
  await page.goto(BASE + "/guide");
  await page.getByLabel("Question or prompt").fill("What would you change about the group?");
  let loaded = page.waitForEvent("load");
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await loaded;
  assert.equal(await page.locator("ol.guide > li").count(), 9);
  await page.getByLabel("Question or prompt").fill("Who would you tell?");
  await page.getByLabel("Where").selectOption({ label: "A prompt under Q1" });
  loaded = page.waitForEvent("load");
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await loaded;
  assert.match(await page.locator("#Q1 .prompts").textContent(), /Who would you tell\?/);

  await page.getByLabel(/Import a guide/).setInputFiles({
    name: "follow-up-guide.txt",
    mimeType: "text/plain",
    buffer: Buffer.from("Follow-up interview\n1. What has changed since we last spoke?\n  - At work?\n"),
  });
  loaded = page.waitForEvent("load");
  await page.getByRole("button", { name: "Import guide" }).click();
  await loaded;
  await page.locator("#flash.show").waitFor();
  assert.match(await page.textContent("#flash"), /Added 2 questions and prompts\. Not taken as questions: “Follow-up interview”/);
  assert.equal(await page.locator("ol.guide > li").count(), 10);
  await axeCheck(page, "guide-questions");
  assert.deepEqual(problems, []);
});
