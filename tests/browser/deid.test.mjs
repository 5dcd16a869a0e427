// The pseudonymisation page in headless Chromium, on its own copy of the demo study: create the
// key store where the page says the server keeps it (no path is typed), lock and unlock it, add a known identifier that occurs in the demo transcripts
// and see it in the review queue, accept one candidate with a typed replacement and a whole
// kind at once, apply after the confirmation, and see the result and the log. Then a report
// naming the known identifier is refused with the places found and exported on the explicit
// override. The Rust test crates/idiograph-web/tests/browser.rs sets IDIOGRAPH_DEID_URL and
// IDIOGRAPH_DEID_KEY (where the server keeps the key store: beside the project file).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { launch, axeCheck } from "./support.mjs";

const BASE = process.env.IDIOGRAPH_DEID_URL?.replace(/\/$/, "");
const KEY = process.env.IDIOGRAPH_DEID_KEY;
const skip = BASE && KEY ? false : "IDIOGRAPH_DEID_URL is not set (run through cargo test -p idiograph-web --test browser)";

let browser;
let page;
const problems = [];

before(async () => {
  if (skip) return;
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
});

after(async () => {
  await browser?.close();
});

async function check(name) {
  await axeCheck(page, name);
  assert.deepEqual(problems.splice(0), [], `${name}: errors in the page (CSP violations show here)`);
}

/** Runs `action`, which makes the page reload, and waits for the new page. */
async function reloading(action) {
  const loaded = page.waitForEvent("load");
  await action();
  await loaded;
}

/** Runs `action`, a change the page shows in place (its main part rendered again, no reload),
 * and waits until it is shown. */
async function updating(action) {
  const before = await page.evaluate(() => Number(document.documentElement.dataset.updates || 0));
  await action();
  await page.waitForFunction((n) => Number(document.documentElement.dataset.updates || 0) > n, before);
}

async function api(pathname) {
  const res = await page.request.get(BASE + pathname);
  assert.equal(res.status(), 200, `${pathname}: ${res.status()}`);
  return res.json();
}

test("pseudonymisation: key store, known identifier, review, apply, log", { skip }, async () => {
  await page.goto(BASE + "/deid");
  await page.evaluate(() => (window.stayed = true));
  await page.getByRole("link", { name: "Pseudonymisation" }).waitFor();
  const status = await page.locator("#key-status").innerText();
  assert.match(status, /no key store yet/);
  assert.ok(status.includes(KEY), `the page says where the key store will live: ${status}`);
  assert.equal(await page.locator('input[name="path"]').count(), 0, "no server path is typed");
  await check("20-deid-new");

  // Create the key store, with the keyboard: only the passphrase is asked for.
  assert.equal(await page.getByLabel(/Passphrase/).getAttribute("type"), "password");
  await page.getByLabel(/Passphrase/).fill("correct horse battery staple");
  await updating(() => page.getByLabel(/Passphrase/).press("Enter"));
  assert.match(await page.locator("#key-status").innerText(), /Unlocked: .*deid\.key, 0 known identifiers/);
  assert.ok(existsSync(KEY), "made where the page said");

  // Lock it and unlock it again with the passphrase alone.
  await updating(() => page.getByRole("button", { name: "Lock the key store" }).click());
  assert.ok((await page.locator("#key-status").innerText()).includes(`it is locked. It lives at ${KEY}`));
  await page.getByLabel(/Passphrase/).fill("correct horse battery staple");
  await updating(() => page.getByRole("button", { name: "Unlock", exact: true }).click());
  assert.match(await page.locator("#key-status").innerText(), /Unlocked: .*deid\.key, 0 known identifiers/);

  // "Dundee" is in the header of every demo transcript.
  await page.getByLabel("Real name, place or organisation").fill("Dundee");
  await page.getByLabel(/^Replacement \(empty/).fill("Northtown");
  await page.getByLabel(/^Kind/).first().selectOption("town");
  await updating(() => page.getByRole("button", { name: "Add", exact: true }).click());
  assert.match(await page.locator("#known").innerText(), /Dundee\s+Northtown\s+town/);
  const towns = page.locator('li.candidate[data-kind="town"]');
  assert.equal(await towns.count(), 3, "once in each demo transcript");
  assert.equal(await towns.first().locator("mark").innerText(), "Dundee");
  assert.match(await towns.first().innerText(), /known/);
  assert.match(await towns.first().innerText(), /replaced by Northtown/);
  await check("21-deid-queue");

  // One candidate accepted with a replacement typed in.
  const first = page.locator('li.candidate[data-status="pending"]').first();
  const kindOfFirst = await first.getAttribute("data-kind");
  const original = await first.locator("mark").innerText();
  await first.getByLabel(/^Replace/).fill("[Chosen]");
  await updating(() => first.getByRole("button", { name: "Accept", exact: true }).click());
  const queue = await api("/api/v1/deid/queue");
  const chosen = queue.items.find((i) => i.replacement === "[Chosen]");
  assert.ok(chosen, "the typed replacement is kept");
  assert.equal(chosen.status, "accepted");
  assert.equal(chosen.text, original);
  assert.equal(chosen.kind, kindOfFirst);
  // Shown in place: the same document, and the focus on the next candidate's first control.
  assert.equal(await page.evaluate(() => window.stayed), true, "decided without a reload");
  assert.ok(await page.evaluate(() => !!document.activeElement.closest('li.candidate[data-status="pending"]')), "the focus moves on to the next candidate");

  // A whole kind accepted at once.
  const bulk = page.locator("ul.bulk li").first();
  const kind = await bulk.locator(".kind").innerText();
  const pendingOfKind = queue.items.filter((i) => i.kind === kind && i.status === "pending").length;
  assert.ok(pendingOfKind > 0, `pending ${kind} candidates`);
  await updating(() => bulk.getByRole("button", { name: `Accept all ${kind}` }).click());
  const decided = (await api("/api/v1/deid/queue")).items.filter((i) => i.kind === kind);
  assert.ok(decided.every((i) => i.status === "accepted"), `every ${kind} candidate accepted`);

  // Apply, after a confirmation that says what happens.
  let asked = "";
  page.once("dialog", (d) => {
    asked = d.message();
    d.accept();
  });
  await reloading(() => page.getByRole("button", { name: /Apply pseudonymisation/ }).click());
  assert.match(asked, /new version/);
  assert.match(asked, /key store/);
  const result = await page.locator("#apply-result").innerText();
  assert.match(result, /T1: version 2/);
  const log = await page.locator("#deid-log").innerText();
  assert.match(log, /\[Town\]|Northtown|town/i, "the log shows the known identifier's category");
  assert.ok((await page.locator("#deid-log tbody tr").count()) >= 3);
  await check("22-deid-applied");
  for (const t of (await api("/api/v1/transcripts")).transcripts) {
    const text = (await api(`/api/v1/transcripts/${t.id}`)).text;
    assert.ok(!text.includes("Dundee"), `${t.id} no longer names Dundee`);
    assert.ok(text.includes("Northtown"), `${t.id} has the replacement`);
  }
});

test("reports: an export naming a known identifier is refused, then exported on the override", { skip }, async () => {
  await page.goto(BASE + "/journal");
  await reloading(async () => {
    await page.getByLabel("New entry").fill("The Dundee group reminded me of my own training.");
    await page.getByRole("button", { name: "Add entry" }).click();
  });
  await page.goto(BASE + "/reports");
  await page.click('a[href="/api/v1/reports/md"]');
  const notice = page.getByRole("alert").filter({ hasText: "known real names" });
  await notice.waitFor();
  assert.match(await notice.innerText(), /'Dundee' \(line \d+\)/);
  // Chromium logs every refused request to the console; this 422 is the refusal under test.
  problems.splice(0, problems.length, ...problems.filter((p) => !p.includes("status of 422")));
  await check("23-reports-leak");
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export anyway (recorded in the audit log)" }).click();
  const file = await (await download).path();
  assert.match(readFileSync(file, "utf8"), /The Dundee group/);
  const history = await api("/api/v1/history?limit=5");
  assert.ok(history.events.some((e) => e.action === "export despite leaks"), "the override is in the audit log");
});

test("pseudonymisation: reject every occurrence of a word; the transcript says its lines were renumbered", { skip }, async () => {
  await page.goto(BASE + "/deid");
  // After the apply above, some candidates are still pending: reject one word everywhere.
  const pending = page.locator('li.candidate[data-status="pending"]').first();
  const word = await pending.locator("mark").innerText();
  const listed = await api("/api/v1/deid/queue");
  const before = [...listed.items, ...listed.fields].filter((i) => i.text === word).length;
  assert.ok(before > 0, `"${word}" is in the queue (a transcript's or another field's)`);
  await updating(() => pending.getByRole("button", { name: `Reject every “${word}”` }).click());
  const queue = await api("/api/v1/deid/queue");
  assert.equal(queue.items.filter((i) => i.text === word).length, 0, `"${word}" is no longer a candidate anywhere`);
  assert.equal(queue.fields.filter((f) => f.text === word).length, 0, `nor in any other field`);
  const history = await api("/api/v1/history?limit=3");
  assert.ok(history.events.some((e) => /every occurrence of a word/.test(e.summary)), "an undoable command");
  assert.ok(!history.events.some((e) => e.summary.includes(word)), "the audit summary does not quote the word");
  await check("24-deid-every");

  // The pseudonymised transcript says when and why its lines were renumbered.
  await page.goto(BASE + "/transcripts/T1");
  const meta = await page.locator(".page-head").innerText();
  assert.match(meta, /numbered as frozen at pseudonymisation on \d{4}-\d{2}-\d{2}/);
  assert.doesNotMatch(meta, /numbered as frozen at import/);
  await page.getByRole("link", { name: "old → new lines" }).click();
  const details = page.locator("details#renumbered");
  await details.locator("summary").click();
  assert.match(await details.innerText(), /Lines renumbered on \d{4}-\d{2}-\d{2} by pseudonymisation \(version 1 → 2\)/);
  await check("25-transcript-renumbered");
});
