// Two analysts on one case board of the team server (issue #8), each in their own browser
// context and logged in through the form: a change one makes reaches the other's open board
// live, without a reload; a drag made on a board that was no longer current is refused with a
// message naming who changed the theme, the board then shows the current state in place, and
// nothing is overwritten. The Rust test crates/idiograph-web/tests/browser.rs serves the
// `--team` demo project and runs this file with IDIOGRAPH_TEAM_URL, IDIOGRAPH_TEAM_USER (an
// owner), IDIOGRAPH_TEAM_ANALYST (an analyst) and IDIOGRAPH_TEAM_PASSWORD set.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, axeCheck, pageWithProblems } from "./support.mjs";

const BASE = process.env.IDIOGRAPH_TEAM_URL?.replace(/\/$/, "");
const ANA = process.env.IDIOGRAPH_TEAM_USER;
const BEN = process.env.IDIOGRAPH_TEAM_ANALYST;
const PASSWORD = process.env.IDIOGRAPH_TEAM_PASSWORD;
const skip =
  BASE && BEN ? false : "IDIOGRAPH_TEAM_URL or IDIOGRAPH_TEAM_ANALYST is not set (run through cargo test -p idiograph-web --test browser)";

let browser;
/** Ana's and Ben's pages, each with the errors it logged. */
const pages = {};

/** A page of its own browser context, logged in as `name` through the login form. */
async function loggedIn(name) {
  const { page, problems } = await pageWithProblems(browser, { viewport: { width: 1440, height: 2600 } });
  await page.goto(BASE + "/login");
  await page.getByLabel("User name").fill(name);
  await page.getByLabel("Password").fill(PASSWORD);
  await Promise.all([page.waitForURL(BASE + "/"), page.getByRole("button", { name: "Log in" }).click()]);
  return { page, problems };
}

before(async () => {
  if (skip) return;
  browser = await launch();
  pages.ana = await loggedIn(ANA);
  pages.ben = await loggedIn(BEN);
});

after(async () => {
  await browser?.close();
});

/** Runs `action`, which makes `page` reload, and waits for the new page. */
async function reloading(page, action) {
  const loaded = page.waitForEvent("load");
  await action();
  await loaded;
}

/** The theme `id` as the API gives it now. */
async function theme(page, id) {
  const res = await page.request.get(`${BASE}/api/v1/themes/${id}`);
  assert.equal(res.status(), 200);
  return res.json();
}

/** Screenshot and accessibility check of `who`'s page; `expected` lists errors the test caused. */
async function check(who, name, expected = []) {
  const { page, problems } = pages[who];
  await axeCheck(page, name);
  const unexpected = problems.splice(0).filter((p) => !expected.some((e) => p.includes(e)));
  assert.deepEqual(unexpected, [], `${name}: errors in the page (CSP violations show here)`);
}

test("a change by one analyst reaches the other's open board live", { skip }, async () => {
  const { page: ana } = pages.ana;
  const { page: ben } = pages.ben;
  const tree = await (await ana.request.get(BASE + "/api/v1/themes")).json();
  const [first] = tree.cases[0].pets;
  const board = `/cases/${tree.cases[0].participant}`;
  await ana.goto(BASE + board);
  await ben.goto(BASE + board);
  // Set only on this document: a reload would lose it.
  await ana.evaluate(() => (window.stayed = true));

  const tools = ben.locator(`#tools-${first.id}`);
  await tools.locator("summary").click();
  const rename = tools.locator('form[data-method="PATCH"]');
  await rename.getByLabel("Title").fill("Struggling, together");
  await reloading(ben, () => rename.getByRole("button", { name: "Save" }).click());

  await ana.locator(`.dropzone[data-theme="${first.id}"] h3`, { hasText: "Struggling, together" }).waitFor();
  assert.equal(await ana.evaluate(() => window.stayed), true, "shown in place, not by a reload");
  assert.match(await ana.textContent("#flash"), new RegExp(`edit theme ${first.id} — by ${BEN}`));
  assert.equal(await ana.locator(".live-notice").isVisible(), false, "nothing left to refresh");
  await check("ana", "11-board-live");
  await check("ben", "11-board-live-other");

  // Ana starts renaming the same theme; her half-typed title is kept while Ben renames it
  // again, and her save is then refused with his title shown.
  const mine = ana.locator(`#tools-${first.id}`);
  await mine.locator("summary").click();
  await mine.locator('form[data-method="PATCH"]').getByLabel("Title").fill("Ana's title");
  await tools.locator("summary").click();
  await rename.getByLabel("Title").fill("Ben's title");
  await reloading(ben, () => rename.getByRole("button", { name: "Save" }).click());
  await ana.locator(".live-notice").waitFor({ state: "visible" });
  assert.equal(await mine.locator('form[data-method="PATCH"]').getByLabel("Title").inputValue(), "Ana's title");
  await mine.locator('form[data-method="PATCH"]').getByRole("button", { name: "Save" }).click();
  await ana.locator("#flash.error", { hasText: `${BEN} changed ${first.id} “Ben's title” since you opened the board` }).waitFor();
  await ana.locator(`.dropzone[data-theme="${first.id}"] h3`, { hasText: "Ben's title" }).waitFor();
  assert.equal((await theme(ana, first.id)).title, "Ben's title", "nothing overwritten");
  assert.equal(await ana.evaluate(() => window.stayed), true);
  pages.ana.problems.splice(0, pages.ana.problems.length, ...pages.ana.problems.filter((p) => !p.includes("status of 409")));
});

test("a drag on a stale board is refused, says who changed the theme, and shows its current state", { skip }, async () => {
  const { page: ana } = pages.ana;
  const { page: ben } = pages.ben;
  const tree = await (await ana.request.get(BASE + "/api/v1/themes")).json();
  const [first, second, third] = tree.cases[0].pets;
  const board = `/cases/${tree.cases[0].participant}`;
  await ana.goto(BASE + board);
  await ben.goto(BASE + board);
  await ana.evaluate(() => (window.stayed = true));
  const mine = second.statements[0];
  const bens = first.statements[0];

  // Ana drags one of her cards onto the third theme; while she gives her reasons, Ben moves
  // another card into that theme.
  await ana.check("#ask-why");
  await ana.dragAndDrop(`.dropzone[data-theme="${second.id}"] #card-${mine}`, `.dropzone[data-theme="${third.id}"]`);
  await ana.locator("#why").waitFor({ state: "visible" });
  await reloading(ben, () =>
    ben.dragAndDrop(`.dropzone[data-theme="${first.id}"] #card-${bens}`, `.dropzone[data-theme="${third.id}"]`),
  );
  const notice = ana.locator(".live-notice");
  await notice.waitFor({ state: "visible" });
  assert.match(await notice.textContent(), new RegExp(`move ${bens} from ${first.id} to ${third.id} — by ${BEN}`));
  await ana.fill('#why textarea[name="rationale"]', "Both are about why the job matters");
  await ana.click('#why button[value="save"]');

  const flash = ana.locator("#flash.error");
  await flash.waitFor({ state: "visible" });
  assert.match(
    await flash.textContent(),
    new RegExp(`${BEN} changed ${third.id} “${third.title}” since you opened the board — the board now shows the current state`),
  );
  const zone = (id) => ana.locator(`.dropzone[data-theme="${id}"]`);
  await zone(third.id).locator(`#card-${bens}`).waitFor();
  assert.equal(await zone(third.id).locator(`#card-${mine}`).count(), 0, "Ana's stale move was not applied");
  assert.equal(await zone(second.id).locator(`#card-${mine}`).count(), 1, "her card is where it was");
  assert.equal(await ana.evaluate(() => window.stayed), true, "the current state is shown in place");
  assert.equal(await notice.isVisible(), false, "the board is current again");
  assert.deepEqual((await theme(ana, third.id)).statements, [...third.statements, bens].sort(byNumber));
  assert.ok((await theme(ana, second.id)).statements.includes(mine), "nothing overwritten");
  // Chromium logs every refused request to the console; this 409 is the refusal under test.
  await check("ana", "12-board-stale-drag", ["status of 409"]);

  // On the current board the same drag goes through, as one move.
  await ana.dragAndDrop(`.dropzone[data-theme="${second.id}"] #card-${mine}`, `.dropzone[data-theme="${third.id}"]`);
  await ana.locator("#why").waitFor({ state: "visible" });
  await ana.fill('#why textarea[name="rationale"]', "Both are about why the job matters");
  await reloading(ana, () => ana.click('#why button[value="save"]'));
  await ana.uncheck("#ask-why");
  assert.ok((await theme(ana, third.id)).statements.includes(mine));
  assert.ok(!(await theme(ana, second.id)).statements.includes(mine));
  const history = await (await ana.request.get(BASE + "/api/v1/history")).json();
  assert.equal(history.events[0].action, "move");
  assert.equal(history.events[0].author, ANA);
});

/** Orders `S3` before `S12`. */
function byNumber(a, b) {
  return Number(a.slice(1)) - Number(b.slice(1));
}
