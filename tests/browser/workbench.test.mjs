// End-to-end tests of the Idiograph workbench in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core; no browser download). The Rust test
// crates/idiograph-web/tests/browser.rs serves the demo study and runs this file with
// IDIOGRAPH_URL set; without it every test is skipped.
//
// One story, in order: import a transcript through the page, make a note of each kind by
// selecting text, make a statement, drag statements into a PET, drag PETs of two participants
// into a GET and see the matrix change, mark an extract, undo and redo, download a report.
// Every page is screenshotted into test-artifacts/ and checked with axe-core.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { launch, axeCheck } from "./support.mjs";

const BASE = process.env.IDIOGRAPH_URL?.replace(/\/$/, "");
const skip = BASE ? false : "IDIOGRAPH_URL is not set (run through cargo test -p idiograph-web --test browser)";

let browser;
let context;
let page;
const problems = [];

before(async () => {
  if (skip) return;
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
});

after(async () => {
  await browser?.close();
});

/** Runs `action`, which makes the page reload, and waits for the new page. */
async function reloading(action) {
  const loaded = page.waitForEvent("load");
  await action();
  await loaded;
}

async function api(pathname) {
  const res = await page.request.get(BASE + pathname);
  assert.equal(res.status(), 200, `${pathname}: ${res.status()}`);
  return res.json();
}

/** Screenshot and accessibility check of the current page. */
async function check(name) {
  await axeCheck(page, name);
  assert.deepEqual(problems.splice(0), [], `${name}: errors in the page (CSP violations show here)`);
}

/** Selects `needle` (its `nth` occurrence) inside the transcript, as a user's drag would. */
async function selectText(needle, nth = 0) {
  const ok = await page.evaluate(
    ({ needle, nth }) => {
      const root = document.getElementById("transcript");
      // Map the rendered text of all lines to DOM positions, then find the needle in it.
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
        acceptNode: (n) => (n.parentElement.closest(".lt") ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT),
      });
      const nodes = [];
      let text = "";
      let prevLine = null;
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const line = n.parentElement.closest(".line");
        if (prevLine && line !== prevLine) text += "\n";
        prevLine = line;
        nodes.push({ n, at: text.length });
        text += n.data;
      }
      let at = -1;
      for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
      if (at < 0) return false;
      const locate = (offset) => {
        for (let i = nodes.length - 1; i >= 0; i--) {
          if (nodes[i].at <= offset) return [nodes[i].n, Math.min(offset - nodes[i].at, nodes[i].n.data.length)];
        }
        return [nodes[0].n, 0];
      };
      const [sn, so] = locate(at);
      const [en, eo] = locate(at + needle.length);
      const sel = window.getSelection();
      sel.removeAllRanges();
      const r = document.createRange();
      r.setStart(sn, so);
      r.setEnd(en, eo);
      sel.addRange(r);
      return true;
    },
    { needle, nth },
  );
  assert.ok(ok, `"${needle}" is on the page`);
  await page.locator("#selbar").waitFor({ state: "visible" });
}

/** Writes a note or statement for the current selection with a key (1, 2, 3, s); it appears in
 * place, without a reload. */
async function annotateWithKey(key, text) {
  await page.keyboard.press(key);
  await page.locator("#composer").waitFor({ state: "visible" });
  await page.fill("#composer-text", text);
  await page.click('#composer button[value="save"]');
  await page.locator(".ann", { hasText: text }).waitFor();
}

const QUOTES = {
  descriptive: "she says the 👩‍⚕️ emoji",
  linguistic: "café, naïve",
  conceptual: "I kept going back",
  statement: "I kept going back because it helped",
};

test("dashboard: add a participant and import a transcript through the page", { skip }, async () => {
  await page.goto(BASE + "/");
  await check("01-dashboard");
  await page.fill('form[data-api="/api/v1/participants"] input[name="pseudonym"]', "Dana");
  await reloading(() => page.click('form[data-api="/api/v1/participants"] button'));
  assert.match(await page.textContent("table.data"), /Dana/);

  const dir = mkdtempSync(path.join(tmpdir(), "idg-"));
  const file = path.join(dir, "dana.txt");
  writeFileSync(
    file,
    "Interviewer: What was it like for you?\n" +
      "Dana: Honestly? At first I was lost. My friend — she says the 👩‍⚕️ emoji is me now — laughed at my café, naïve ideas.\n" +
      "Interviewer: And later?\n" +
      "Dana: Later I kept going back because it helped. <script>alert('x')</script> is what I typed in the chat, as a joke.\n",
  );
  const broken = path.join(dir, "broken.txt");
  writeFileSync(broken, Buffer.from([0, 1, 2, 0, 255]));
  await page.selectOption('#import-form select[name="participant"]', { label: "Dana (P4)" });
  await page.setInputFiles('#import-form input[type="file"]', [file, broken]);
  await reloading(() => page.click("#import-form button"));
  await page.locator("#flash.show").waitFor();
  assert.match(await page.textContent("#flash"), /Imported T4/);
  // Each file's outcome is listed: the good one imported, the bad one refused with its reason.
  assert.match(await page.textContent("#import-status li.ok"), /dana\.txt: imported as T4/);
  assert.match(await page.textContent("#import-status li.refused"), /broken\.txt: binary content/);
  assert.ok(await page.locator('a[href="/transcripts/T4"]').count(), "the new transcript is linked");
});

test("transcript: a note of each kind and a statement, by selecting text", { skip }, async () => {
  await page.goto(BASE + "/transcripts/T4");
  assert.equal(await page.locator(".three .col").count(), 3, "three columns");
  assert.ok(await page.locator(".spk").count(), "speaker labels are marked");
  assert.match(await page.textContent("#transcript"), /<script>alert\('x'\)<\/script>/, "markup in a transcript is text");

  // Descriptive, by key 1 on a selection with an emoji sequence.
  await selectText(QUOTES.descriptive);
  await annotateWithKey("1", "A nickname from a colleague");
  // Linguistic, by clicking the toolbar button, on combining and precomposed accents.
  await selectText(QUOTES.linguistic);
  await page.click('#selbar button[data-kind="linguistic"]');
  await page.fill("#composer-text", "Self-mocking register");
  await page.click('#composer button[value="save"]');
  await page.locator(".ann", { hasText: "Self-mocking register" }).waitFor();
  // Conceptual, by key 3.
  await selectText(QUOTES.conceptual);
  await annotateWithKey("3", "Return as a sign of need");
  // A statement, by key S.
  await selectText(QUOTES.statement);
  await annotateWithKey("s", "Returning because it helps");
  // A word chosen by double click, as a person would.
  await page.locator("#L2 .lt").getByText("Honestly", { exact: false }).first().dblclick({ position: { x: 5, y: 5 } });
  await page.locator("#selbar").waitFor({ state: "visible" });
  const word = await page.evaluate(() => window.getSelection().toString());
  await annotateWithKey("2", "Hedging");

  const t = await api("/api/v1/transcripts/T4");
  const byKind = Object.fromEntries(t.notes.map((n) => [n.text, n]));
  assert.equal(byKind["A nickname from a colleague"].quote, QUOTES.descriptive);
  assert.equal(byKind["A nickname from a colleague"].kind, "descriptive");
  assert.equal(byKind["Self-mocking register"].quote, QUOTES.linguistic);
  assert.equal(byKind["Self-mocking register"].kind, "linguistic");
  assert.equal(byKind["Return as a sign of need"].quote, QUOTES.conceptual);
  assert.equal(byKind["Return as a sign of need"].kind, "conceptual");
  assert.equal(byKind["Hedging"].quote, word, "the double-clicked word");
  assert.equal(t.statements.length, 1);
  assert.equal(t.statements[0].anchors[0].quote, QUOTES.statement);

  // The annotations are on the page, aligned with their lines, and linked to their spans.
  await page.locator(".ann.note").first().waitFor();
  assert.equal(await page.locator(".ann.note").count(), 4);
  const note = page.locator(".ann.note", { hasText: "Return as a sign of need" });
  const top = async (locator) => (await locator.boundingBox()).y;
  const firstNote = page.locator(".ann.note").first();
  const firstLine = page.locator(`#L${await firstNote.getAttribute("data-line")}`);
  assert.ok(Math.abs((await top(firstNote)) - (await top(firstLine))) < 12, "the first note is level with its line");
  const noteLine = page.locator(`#L${await note.getAttribute("data-line")}`);
  assert.ok((await top(note)) >= (await top(noteLine)) - 12, "a later note is never above its line (it stacks downward)");
  const statement = page.locator(".ann.stmt").first();
  const statementLine = page.locator(`#L${await statement.getAttribute("data-line")}`);
  assert.ok(Math.abs((await top(statement)) - (await top(statementLine))) < 12, "the statement is level with its line");
  await note.click();
  const id = await note.getAttribute("data-id");
  assert.ok(await page.locator(`.lt [data-ids~="${id}"].active`).count(), "clicking a note highlights its span");
  // Keyboard: j moves to an annotation, Escape clears.
  await page.keyboard.press("Escape");
  await page.keyboard.press("j");
  assert.ok(await page.evaluate(() => document.activeElement.classList.contains("ann")));
  // Filter by kind hides those notes.
  await page.uncheck('input[data-filter="conceptual"]');
  assert.equal(await note.isVisible(), false);
  await page.check('input[data-filter="conceptual"]');
  await check("02-transcript");
});

test("case board: drag statements into a PET, keyboard move, bracketing", { skip }, async () => {
  // A second statement for Dana, through the API as a script would.
  const t = await api("/api/v1/transcripts/T4");
  const line = t.lines.find((l) => l.text.includes("At first I was lost"));
  const res = await page.request.post(BASE + "/api/v1/statements", {
    headers: { Origin: BASE },
    data: { transcript: "T4", version: t.version, start: line.start + line.text.indexOf("At first"), end: line.start + line.text.indexOf("lost") + 4, text: "Lost at the start" },
  });
  assert.equal(res.status(), 201, await res.text());

  await page.goto(BASE + "/cases/P4");
  assert.equal(await page.locator("#board .pool .card").count(), 2);
  assert.doesNotMatch(await page.textContent("body"), /Dreading a patient/, "other cases are bracketed");
  await page.fill('form[data-api="/api/v1/themes"] input[name="title"]', "Finding a footing");
  await reloading(() => page.click('form[data-api="/api/v1/themes"] button'));
  const pet = await page.locator(".column .theme-zone").first().getAttribute("data-theme");
  // Drag and drop.
  const first = await page.locator("#board .pool .card").first().getAttribute("data-member");
  await reloading(() => page.dragAndDrop(`#card-${first}`, `.dropzone[data-theme="${pet}"]`));
  assert.equal(await page.locator(`.dropzone[data-theme="${pet}"] .card`).count(), 1);
  // The keyboard alternative, asking for strategy and rationale.
  await page.check("#ask-why");
  const second = await page.locator("#board .pool .card").first().getAttribute("data-member");
  await page.selectOption(`#mv-${second}`, pet);
  await page.click(`#card-${second} button[data-move]`);
  await page.locator("#why").waitFor({ state: "visible" });
  await page.selectOption('#why select[name="strategy"]', "abstraction");
  await page.fill('#why textarea[name="rationale"]', "Both are about getting one's bearings");
  await reloading(() => page.click('#why button[value="save"]'));
  await page.uncheck("#ask-why");
  assert.equal(await page.locator(`.dropzone[data-theme="${pet}"] .card`).count(), 2);
  assert.equal(await page.locator("#board .pool .card").count(), 0);
  // The trail (issue #15): the card shows its strategy under the theme, and the rationale opens
  // from the keyboard.
  const why = page.locator(`#why-${pet}-${second}`);
  assert.equal(await why.locator(".strategy").textContent(), "abstraction");
  assert.equal(await why.locator(".rationale").isVisible(), false);
  await why.locator("summary").focus();
  await page.keyboard.press("Enter");
  assert.equal(await why.locator(".rationale").textContent(), "Both are about getting one's bearings");
  assert.ok(await why.locator(".rationale").isVisible(), "open from the keyboard");
  // The theme's page lists the move with who made it and when.
  await page.goto(`${BASE}/themes/${pet}`);
  const member = page.locator(`#m-${second}`);
  assert.equal(await member.locator(".strategy").textContent(), "abstraction");
  assert.equal(await member.locator(".rationale").textContent(), "Both are about getting one's bearings");
  assert.match(await member.locator(".author").textContent(), /^researcher, \d{4}-\d\d-\d\d \d\d:\d\d$/);
  await check("03-theme-trail");
  await page.goto(BASE + "/cases/P4?others=1");
  assert.match(await page.textContent("body"), /Dreading a patient/, "other cases on request");
  await page.goto(BASE + "/cases/P4");
  await check("03-case-board");
});

test("group board: drag PETs of two participants into a GET and see the matrix change", { skip }, async () => {
  await page.goto(BASE + "/group");
  await page.fill('.new-theme input[name="title"]', "Finding one's way");
  await reloading(() => page.click(".new-theme button"));
  const row = () => page.locator("table.recurrence tr", { hasText: "Finding one's way" });
  assert.match(await row().textContent(), /0\/4/);
  assert.match(await row().textContent(), /below rule/);
  const tree = await api("/api/v1/themes");
  const get = tree.gets.find((g) => g.title === "Finding one's way").id;
  const dana = tree.cases.find((c) => c.pseudonym === "Dana").pets[0].id;
  const tom = tree.cases.find((c) => c.pseudonym === "Tom").pets[0].id;
  // A native drag with the mouse: Chromium picks the drag source where the button went down,
  // so both ends must be on screen without scrolling in between; a tall window does that.
  await page.setViewportSize({ width: 1440, height: 2600 });
  await reloading(() => page.dragAndDrop(`#card-${dana}`, `.dropzone[data-theme="${get}"]`));
  assert.match(await row().textContent(), /1\/4/);
  await reloading(() => page.dragAndDrop(`#card-${tom}`, `.dropzone[data-theme="${get}"]`));
  await page.setViewportSize({ width: 1440, height: 1000 });
  const text = await row().textContent();
  assert.match(text, /2\/4/);
  assert.match(text, /recurs/, "the rule (half of 4) now holds");
  assert.equal(await row().locator("td.present").count(), 2);
  // Convergence and divergence note.
  const zone = page.locator(`.dropzone[data-theme="${get}"]`);
  await zone.locator('textarea[name="note"]').fill("Both describe a disorientation that eases.");
  await reloading(() => zone.locator(".note-form button").click());
  assert.equal(await page.locator(`.dropzone[data-theme="${get}"] textarea[name="note"]`).inputValue(), "Both describe a disorientation that eases.");
  await check("04-group-board");
  // From the keyboard, the figures are a few Tabs away, not behind every card and menu.
  await page.goto(BASE + "/group");
  let stops = 0;
  while (stops < 30 && (await page.evaluate(() => document.activeElement.textContent.trim())) !== "Skip to figures") {
    await page.keyboard.press("Tab");
    stops += 1;
  }
  assert.ok(stops < 30, "a skip link to the figures is among the first stops");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Tab");
  assert.match(await page.evaluate(() => document.activeElement.getAttribute("href") || ""), /\/api\/v1\/figures\//, "the next Tab is the first figure");
  process.env.GET_ID = get;
});

test("theme: mark an extract, shown with the report's citation; undo and redo", { skip }, async () => {
  const get = process.env.GET_ID;
  await page.goto(`${BASE}/themes/${get}`);
  const passage = page.locator(".passage", { hasText: "Dana" }).first();
  await reloading(() => passage.locator("button", { hasText: "Mark as extract" }).click());
  let x = (await api("/api/v1/extracts")).extracts.filter((e) => e.theme === get);
  assert.equal(x.length, 1);
  assert.equal(await page.locator(".extract-item .cite-text").first().textContent(), x[0].citation, "citation as the report prints it");
  assert.match(x[0].citation, /^\(Dana, p\. 1, ll?\. /);
  const row = () => page.locator("table.recurrence tr", { hasText: "Finding one's way" });
  await check("05-theme-extracts");

  // Ctrl+Z undoes the extract, Ctrl+Shift+Z brings it back.
  await page.locator("h1").click();
  await reloading(() => page.keyboard.press("Control+z"));
  x = (await api("/api/v1/extracts")).extracts.filter((e) => e.theme === get);
  assert.equal(x.length, 0, "undone");
  await reloading(() => page.keyboard.press("Control+Shift+z"));
  x = (await api("/api/v1/extracts")).extracts.filter((e) => e.theme === get);
  assert.equal(x.length, 1, "redone");
  await page.goto(BASE + "/group");
  assert.match(await row().textContent(), /Dana|1x/);
  // The history page's buttons do the same.
  await page.goto(BASE + "/history");
  await reloading(() => page.click('main button[data-action="undo"]'));
  assert.equal((await api("/api/v1/extracts")).extracts.filter((e) => e.theme === get).length, 0);
  await reloading(() => page.click('main button[data-action="redo"]'));
  assert.equal((await api("/api/v1/extracts")).extracts.filter((e) => e.theme === get).length, 1);
  await check("06-history");
});

test("journal: write an entry linked to a theme", { skip }, async () => {
  await page.goto(BASE + "/journal");
  await page.fill('form[data-api="/api/v1/journal"] textarea[name="text"]', "My own disorientation as a trainee colours this theme.");
  await page.fill('form[data-api="/api/v1/journal"] input[name="about"]', process.env.GET_ID);
  await reloading(() => page.click('form[data-api="/api/v1/journal"] button'));
  assert.match(await page.textContent(".entry"), /colours this theme/);
  assert.ok(await page.locator(`.entry a[href="/themes/${process.env.GET_ID}"]`).count());
  await check("07-journal");
});

test("search: a phrase found with its citation, and the hit opens the transcript", { skip }, async () => {
  await page.goto(BASE + "/search?q=" + encodeURIComponent('"kept going back"'));
  const results = await page.textContent("main");
  assert.match(results, /\(Dana, p\. 1, l\. 5\)/, "the citation as the report gives it");
  assert.equal(await page.locator("mark").first().textContent(), "kept going back");
  await check("09-search");
  await page.click('main a[href^="/transcripts/T4"]');
  assert.match(page.url(), /\/transcripts\/T4/);
});

test("reports: preview, and download a report with the new theme and extract", { skip }, async () => {
  await page.goto(BASE + "/reports");
  assert.match(await page.textContent("pre.preview"), /Finding one's way/);
  await check("08-reports");
  for (const format of ["md", "html"]) {
    const download = page.waitForEvent("download");
    await page.click(`a[href="/api/v1/reports/${format}"]`);
    const file = await (await download).path();
    const content = readFileSync(file, "utf8");
    assert.match(content, /Finding one(’|'|&#39;|&#x27;)s way/, format);
    assert.match(content, /At first I was lost|I kept going back/, `${format}: the extract's quote`);
    assert.match(content, /Dana, p\. 1/, `${format}: the citation`);
  }
});

test("live: a colleague's change shows on the open transcript in place, named in the status line", { skip }, async () => {
  await page.goto(BASE + "/transcripts/T1");
  await page.evaluate(() => (window.stayed = true));
  const { notes } = await api("/api/v1/notes?transcript=T1");
  const note = notes[0];
  // A colleague (another client) rewrites the note the page shows.
  const res = await page.request.patch(`${BASE}/api/v1/notes/${note.id}`, {
    data: { text: "Rewritten by a colleague" },
    headers: { Origin: BASE, "If-Match": `"${note.revision}"` },
  });
  assert.equal(res.status(), 200);
  await page.waitForFunction((id) => document.querySelector(`#ann-${id} .text`).textContent === "Rewritten by a colleague", note.id);
  await page.waitForFunction((id) => document.getElementById("flash").textContent.includes(`edit note ${id} — by researcher`), note.id);
  assert.equal(await page.evaluate(() => window.stayed), true, "shown in place, not by a reload");
  await check("10-live-in-place");
});
