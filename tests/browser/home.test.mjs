// A whole study from the browser, starting from an empty folder and without the command line:
// the home page → a new study → three participants with attributes in the table → three
// transcripts in three formats → the interviewer marked → a note, a statement, a PET, a GET and
// an extract → the Word write-up downloaded. Then a second study made from the shared NVivo
// sample. The Rust test crates/idiograph-web/tests/browser.rs serves an empty folder and sets
// IDIOGRAPH_HOME_URL; without it every test is skipped.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { launch, axeCheck } from "./support.mjs";

const HOME = process.env.IDIOGRAPH_HOME_URL?.replace(/\/$/, "");
const SHARED = process.env.IDIOGRAPH_SHARED;
const skip = HOME && SHARED ? false : "IDIOGRAPH_HOME_URL or IDIOGRAPH_SHARED is not set (run through cargo test -p idiograph-web --test browser)";

let browser;
let page;
const problems = [];
/** The new study's address, e.g. http://127.0.0.1:PORT/studies/NAME */
let study;

before(async () => {
  if (skip) return;
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/net::ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(m.text())) problems.push(`console error: ${m.text()}`);
  });
  page.on("dialog", (d) => d.accept());
});

after(async () => {
  await browser?.close();
});

async function check(name) {
  await axeCheck(page, name);
  assert.deepEqual(problems.splice(0), [], `${name}: errors in the page`);
}

async function reloading(action) {
  const loaded = page.waitForEvent("load");
  await action();
  await loaded;
}

async function api(pathname) {
  const res = await page.request.get(study + pathname);
  assert.equal(res.status(), 200, `${pathname}: ${res.status()}`);
  return res.json();
}

/** Selects `needle` in the transcript as a drag would. */
async function selectText(needle) {
  const ok = await page.evaluate((needle) => {
    const root = document.getElementById("transcript");
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => (n.parentElement.closest(".lt") ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT),
    });
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const at = n.data.indexOf(needle);
      if (at < 0) continue;
      const r = document.createRange();
      r.setStart(n, at);
      r.setEnd(n, at + needle.length);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(r);
      return true;
    }
    return false;
  }, needle);
  assert.ok(ok, `"${needle}" is on the page`);
  await page.locator("#selbar").waitFor({ state: "visible" });
}

async function annotate(key, text) {
  await page.keyboard.press(key);
  await page.locator("#composer").waitFor({ state: "visible" });
  await page.fill("#composer-text", text);
  await page.click('#composer button[value="save"]');
  await page.locator(".ann", { hasText: text }).waitFor();
}

const corpus = (...parts) => path.join(SHARED, "corpus", ...parts);

test("home: a new study from an empty folder", { skip }, async () => {
  await page.goto(HOME + "/");
  assert.match(await page.textContent("main"), /No studies here yet/);
  await check("20-home-empty");
  await page.fill('#new-study input[name="title"]', "Living with an ICE plot: café talks");
  await page.fill('#new-study textarea[name="research_question"]', "How do analysts make sense of model explanations?");
  await page.check('#new-study input[name="terminology"][value="2022"]');
  await page.fill('#new-study input[name="recurrence_rule"]', "2");
  await reloading(() => page.click("#new-study button"));
  study = page.url().replace(/\/$/, "");
  assert.match(study, /\/studies\/Living%20with%20an%20ICE%20plot%20caf%C3%A9%20talks$/);
  assert.match(await page.textContent("h1"), /Living with an ICE plot: café talks/);
  assert.ok(await page.locator('a.home-link[href="/"]').count(), "a way back to all studies");
  await check("21-new-study");
});

test("participants: three, with attributes, in the table", { skip }, async () => {
  await page.click('nav a[href$="/participants"]');
  await page.fill('tr[data-new] input[name="pseudonym"]', "Ana");
  await page.click("#more-people");
  await page.click("#more-people");
  const rows = page.locator("tr[data-new]");
  await rows.nth(1).locator('input[name="pseudonym"]').fill("Ben");
  await rows.nth(2).locator('input[name="pseudonym"]').fill("Cleo");
  for (const column of ["role", "sector", "years"]) {
    await page.fill('#add-column input[name="column"]', column);
    await page.click("#add-column button");
  }
  const values = { Ana: ["data scientist", "health", "4"], Ben: ["engineer", "finance", "9"], Cleo: ["student", "education", "1"] };
  for (const [i, who] of ["Ana", "Ben", "Cleo"].entries()) {
    const [role, sector, years] = values[who];
    await rows.nth(i).locator('input[data-attr="role"]').fill(role);
    await rows.nth(i).locator('input[data-attr="sector"]').fill(sector);
    await rows.nth(i).locator('input[data-attr="years"]').fill(years);
  }
  await check("22-participants-table");
  await reloading(() => page.click("#save-people"));
  const { participants } = await api("/api/v1/participants");
  assert.deepEqual(
    participants.map((p) => [p.pseudonym, p.attributes.role, p.attributes.sector, p.attributes.years]),
    ["Ana", "Ben", "Cleo"].map((w) => [w, ...values[w]]),
  );
  // Several attributes of one participant changed at once, and one removed by emptying it.
  await page.fill('tr[data-id="P2"] input[data-attr="sector"]', "banking");
  await page.fill('tr[data-id="P2"] input[data-attr="years"]', "");
  await reloading(() => page.click("#save-people"));
  const ben = (await api("/api/v1/participants/P2")).attributes;
  assert.deepEqual(ben, { role: "engineer", sector: "banking" });
});

test("import: three transcripts in three formats, and the interviewer marked", { skip }, async () => {
  await page.goto(study + "/");
  const files = [
    ["Ana (P1)", corpus("pdpilot-user-study-interviews", "pdf", "P2.pdf")],
    ["Ben (P2)", corpus("synthetic-interview-audio", "interview.vtt")],
    ["Cleo (P3)", corpus("zoom-transcript-sample", "zoom-saved-transcript_input_example.txt")],
  ];
  for (const [who, file] of files) {
    await page.selectOption('#import-form select[name="participant"]', { label: who });
    await page.setInputFiles('#import-form input[type="file"]', [file]);
    await reloading(() => page.click("#import-form button"));
    assert.match(await page.textContent("#import-status li.ok"), /imported as T\d/);
  }
  const { transcripts } = await api("/api/v1/transcripts");
  assert.equal(transcripts.length, 3);

  await page.click('nav a[href$="/participants"]');
  // Ana's PDF: Dan asks the questions, and the page asks once whether he is the interviewer.
  const ask = page.locator("#setup-T1 .ask");
  await ask.waitFor({ state: "visible" });
  assert.match(await ask.textContent(), /Dan.*asks most of the questions/s);
  await check("23-speakers");
  await reloading(() => ask.locator("button.primary").click());
  let t1 = await api("/api/v1/transcripts/T1/speakers");
  assert.equal(t1.speakers.find((s) => s.label === "Dan").role, "interviewer");
  assert.equal(t1.suggested_interviewer, null);
  assert.equal(await page.locator("#setup-T1 .ask").count(), 0, "asked once");
  // One click marks a label in another transcript.
  const t3 = await api("/api/v1/transcripts/T3/speakers");
  const asker = t3.suggested_interviewer || t3.speakers[0].label;
  await reloading(() => page.locator(`#setup-T3 [aria-label="Role of ${asker}"] button`, { hasText: "interviewer" }).click());
  assert.equal((await api("/api/v1/transcripts/T3/speakers")).speakers.find((s) => s.label === asker).role, "interviewer");
  // Rename one; delete and undo another.
  await page.fill('#setup-T2 input[name="title"]', "Ben, first interview");
  await reloading(() => page.click("#setup-T2 form button"));
  assert.match(await page.textContent("#title-T2"), /Ben, first interview/);
  await reloading(() => page.click('#setup-T3 button[data-delete="T3"]'));
  assert.equal((await api("/api/v1/transcripts")).transcripts.length, 2);
  await reloading(() => page.click('header button[data-action="undo"]'));
  assert.equal((await api("/api/v1/transcripts")).transcripts.length, 3);
});

test("analysis: a note, a statement, a PET, a GET and an extract; the Word write-up", { skip }, async () => {
  await page.goto(study + "/transcripts/T1");
  const line = (await api("/api/v1/transcripts/T1")).lines.find((l) => l.text.length > 50 && !/^\s*Dan\b/.test(l.text) && /[A-Za-z][A-Za-z ,']{20,40}/.test(l.text));
  assert.ok(line, "a line of Ana's answer");
  const words = line.text.match(/[A-Za-z][A-Za-z ,']{20,40}/)[0].trim();
  await selectText(words);
  await annotate("1", "Uses the plots only early on");
  await selectText(words);
  await annotate("s", "Explanations as a first look");
  const shown = await api("/api/v1/transcripts/T1");
  assert.equal(shown.notes.length, 1);
  assert.equal(shown.statements.length, 1);
  await check("24-transcript");

  await page.goto(study + "/cases/P1");
  await page.fill('.new-theme input[name="title"]', "A first look");
  await reloading(() => page.click(".new-theme button"));
  const pet = await page.locator(".column .theme-zone").first().getAttribute("data-theme");
  const card = await page.locator("#board .pool .card").first().getAttribute("data-member");
  await page.selectOption(`#mv-${card}`, pet);
  await reloading(() => page.click(`#card-${card} button[data-move]`));
  assert.equal(await page.locator(`.dropzone[data-theme="${pet}"] .card`).count(), 1);

  await page.goto(study + "/group");
  await page.fill('.new-theme input[name="title"]', "Explanations to start from");
  await reloading(() => page.click(".new-theme button"));
  const tree = await api("/api/v1/themes");
  const get = tree.gets.find((g) => g.title === "Explanations to start from").id;
  await page.selectOption(`#mv-${pet}`, get);
  await reloading(() => page.click(`#card-${pet} button[data-move]`));
  assert.match(await page.locator("table.recurrence tr", { hasText: "Explanations to start from" }).textContent(), /1\/3/);

  await page.goto(`${study}/themes/${get}`);
  await reloading(() => page.locator(".passage button", { hasText: "Mark as extract" }).first().click());
  const extracts = (await api("/api/v1/extracts")).extracts.filter((x) => x.theme === get);
  assert.equal(extracts.length, 1);
  assert.match(extracts[0].citation, /^\(Ana, p\. \d+, ll?\. /);
  await check("25-theme");

  await page.goto(study + "/reports");
  const download = page.waitForEvent("download");
  await page.click('a[href$="/api/v1/reports/docx"]');
  const file = await (await download).path();
  const xml = execFileSync("unzip", ["-p", file, "word/document.xml"]).toString("utf8");
  assert.match(xml, /Explanations to start from/, "the GET is in the write-up");
  assert.match(xml, /Ana, p\. \d+/, "with the extract's citation");
});

test("messages: a dropped connection is said in words a person understands", { skip }, async () => {
  await page.goto(study + "/participants");
  await page.context().setOffline(true);
  try {
    await page.fill('tr[data-new] input[name="pseudonym"]', "Dora");
    await page.click("#save-people");
    const banner = page.locator("#offline");
    await banner.waitFor({ state: "visible" });
    const said = await banner.textContent();
    assert.match(said, /The workbench cannot be reached/);
    assert.match(said, /This change was not saved\. Your last saved change, at .+, is safe/);
    assert.doesNotMatch(await page.textContent("body"), /Failed to fetch/);
    assert.equal(await page.inputValue('tr[data-new] input[name="pseudonym"]'), "Dora", "what was typed is kept");
  } finally {
    await page.context().setOffline(false);
  }
  assert.equal((await api("/api/v1/participants")).participants.length, 3, "nothing half-saved");
  problems.splice(0);
});

test("home: the study is listed, and a second one is made from the NVivo sample", { skip }, async () => {
  await page.goto(HOME + "/");
  const row = page.locator("#studies tbody tr", { hasText: "Living with an ICE plot" });
  assert.match(await row.textContent(), /3/);
  assert.match(await row.textContent(), /Living with an ICE plot café talks\.idg/);
  await check("26-home-listed");
  await page.setInputFiles('#import-study input[type="file"]', path.join(SHARED, "refi-qda", "samples", "nvivo-15.0-mac_qc-project.qdpx"));
  await reloading(() => page.click("#import-study button"));
  assert.match(await page.textContent("h1"), /nvivo-15\.0-mac_qc-project\.qdpx/);
  assert.match(await page.textContent("#imported"), /\d+ themes/);
  assert.match(await page.textContent("#losses"), /only whitespace/, "what did not come in, and why");
  await check("27-imported");
  await reloading(() => page.click("main a.btn.primary"));
  assert.match(page.url(), /\/studies\/nvivo-15\.0-mac_qc-project\/$/);
  await page.goto(HOME + "/");
  assert.equal(await page.locator("#studies tbody tr").count(), 2);
});
