// Merging a REFI-QDA project into a study from the study page (issue #21), in headless Chromium:
// the form sends the file, the page reloads showing the new participant and transcript, the
// merge's report is listed under the form (what was added, the taken pseudonym, what was left
// out), a file that is no project is refused by name with nothing changed, and one undo takes
// the whole merge back.
//
// crates/idiograph-web/tests/browser.rs serves a demo study of this file's own and runs it with
// IDIOGRAPH_MERGE_URL set; without it every test is skipped.

import { test } from "node:test";
import assert from "node:assert/strict";
import { axeCheck, pageWithProblems, servedBy } from "./support.mjs";

const served = servedBy("IDIOGRAPH_MERGE_URL");
const { base: BASE, skip } = served;

/** A project from another tool: a case named like the demo's Olivia with an interview of its
 * own, one code with a colour, and one coded passage. */
const PROJECT = `<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Theirs" origin="OtherTool 1.0">
  <CodeBook><Codes><Code guid="6F0E3D3C-3C4A-4C0B-9D11-000000000001" name="Relief" isCodable="true" color="#FF0000"/></Codes></CodeBook>
  <Cases><Case guid="6F0E3D3C-3C4A-4C0B-9D11-000000000002" name="Olivia"><SourceRef targetGUID="6F0E3D3C-3C4A-4C0B-9D11-000000000003"/></Case></Cases>
  <Sources><TextSource guid="6F0E3D3C-3C4A-4C0B-9D11-000000000003" name="olivia-later.txt">
    <PlainTextContent>Interviewer: And a year later?
Olivia: Lighter. I still think of the group.</PlainTextContent>
    <PlainTextSelection guid="6F0E3D3C-3C4A-4C0B-9D11-000000000004" startPosition="39" endPosition="47">
      <Coding guid="6F0E3D3C-3C4A-4C0B-9D11-000000000005"><CodeRef targetGUID="6F0E3D3C-3C4A-4C0B-9D11-000000000001"/></Coding>
    </PlainTextSelection>
  </TextSource></Sources>
</Project>`;

/** Runs `action` and waits for the page it reloads. */
async function reloading(page, action) {
  const loaded = page.waitForEvent("load");
  await action();
  await loaded;
}

async function participants(page) {
  const res = await page.request.get(BASE + "/api/v1/participants");
  assert.equal(res.status(), 200);
  return (await res.json()).participants.map((p) => p.pseudonym);
}

test("study page: merge a project, see what it added, refuse a bad file, undo the merge", { skip }, async () => {
  const { page, problems } = await pageWithProblems(served.browser, { viewport: { width: 1280, height: 900 } });
  await page.goto(BASE + "/");
  const before = await participants(page);
  const form = page.locator("#merge-form");
  await form.locator('input[type="file"]').setInputFiles({ name: "theirs.qde", mimeType: "application/xml", buffer: Buffer.from(PROJECT) });
  await reloading(page, () => form.locator("button").click());
  await page.locator("#flash.show").waitFor();
  assert.match(await page.textContent("#flash"), /Merged theirs\.qde: 1 extracts, 1 participants, 1 themes, 1 transcripts/);
  // The report is listed under the form: what was added, the taken name, what was left out.
  const report = page.locator("#merge-report li");
  const lines = await report.allTextContents();
  assert.match(lines[0], /^theirs\.qde: added /);
  assert.ok(lines.some((l) => /T4 olivia-later\.txt \(P4\)/.test(l)), lines.join("\n"));
  assert.ok(lines.some((l) => /case 'Olivia' became participant P4 'Olivia \(2\)': the name was taken by P1/.test(l)), lines.join("\n"));
  assert.ok(lines.some((l) => /not imported: 1 code colours/.test(l)), lines.join("\n"));
  assert.match(await page.textContent("main table.data"), /Olivia \(2\)/);
  assert.ok(await page.locator('a[href="/transcripts/T4"]').count(), "the new transcript is linked");
  assert.deepEqual(await participants(page), [...before, "Olivia (2)"]);
  await axeCheck(page, "merge-report");

  // A file that is no project: refused by its name, nothing changes, the page stays.
  await form.locator('input[type="file"]').setInputFiles({ name: "junk.qdpx", mimeType: "application/octet-stream", buffer: Buffer.from("not a zip") });
  await form.locator("button").click();
  await page.locator("#flash.show.error").waitFor();
  assert.match(await page.textContent("#flash"), /junk\.qdpx/);
  assert.deepEqual(await participants(page), [...before, "Olivia (2)"]);
  // Chromium logs every refused request to the console; this 422 is the refusal under test.
  problems.splice(0, problems.length, ...problems.filter((p) => !p.includes("status of 422")));

  // One undo takes the whole merge back.
  await page.locator("h1").click();
  await reloading(page, () => page.keyboard.press("Control+z"));
  assert.deepEqual(await participants(page), before);
  assert.equal(await page.locator('a[href="/transcripts/T4"]').count(), 0, "the merged transcript is gone");
  assert.deepEqual(problems, [], "errors in the page (CSP violations show here)");
  await page.context().close();
});
