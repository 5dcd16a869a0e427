// The members page in headless Chromium on the team server: the owner logs in, opens Members
// from the navigation, changes a member's role, is told why they cannot stop being the only
// owner or add an account that does not exist, and removes a member after confirming (and keeps
// them after cancelling); the page passes axe-core. An analyst has no Members link and is refused
// the page. The Rust test crates/idiograph-web/tests/browser.rs serves the team project with
// these members and sets IDIOGRAPH_TEAM_URL, IDIOGRAPH_TEAM_USER (the owner),
// IDIOGRAPH_TEAM_ANALYST and IDIOGRAPH_TEAM_PASSWORD.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, axeCheck, pageWithProblems } from "./support.mjs";

const BASE = process.env.IDIOGRAPH_TEAM_URL?.replace(/\/$/, "");
const OWNER = process.env.IDIOGRAPH_TEAM_USER;
const ANALYST = process.env.IDIOGRAPH_TEAM_ANALYST;
const PASSWORD = process.env.IDIOGRAPH_TEAM_PASSWORD;
const skip = BASE && ANALYST ? false : "IDIOGRAPH_TEAM_ANALYST is not set (run through cargo test -p idiograph-web --test browser)";

let browser;

before(async () => {
  if (!skip) browser = await launch();
});

after(async () => {
  await browser?.close();
});

/** A browser session of its own, logged in as `name`, and the errors its pages report. */
async function logIn(name) {
  const { page, problems } = await pageWithProblems(browser, { viewport: { width: 1280, height: 900 } });
  await page.goto(BASE + "/login");
  await page.getByLabel("User name").fill(name);
  await page.getByLabel("Password").fill(PASSWORD);
  await Promise.all([page.waitForURL(BASE + "/"), page.getByRole("button", { name: "Log in" }).click()]);
  return { page, problems };
}

/** Runs `action`, which makes the page reload, and waits for the new page. */
async function reloading(page, action) {
  const loaded = page.waitForEvent("load");
  await action();
  await loaded;
}

test("the owner changes a role and removes a member on the Members page", { skip }, async () => {
  const { page, problems } = await logIn(OWNER);
  const nav = page.getByRole("navigation", { name: "Main" });
  await Promise.all([page.waitForURL(BASE + "/members"), nav.getByRole("link", { name: "Members" }).click()]);
  await page.getByRole("heading", { level: 1, name: "Members" }).waitFor();
  await axeCheck(page, "members");
  const row = (name) => page.locator(`tr[data-member="${name}"]`);

  await row("ines").getByLabel("Role of ines").selectOption("analyst");
  await reloading(page, () => row("ines").getByRole("button", { name: "Change role of ines" }).click());
  await page.locator("#flash").filter({ hasText: "ines is now analyst." }).waitFor();
  assert.equal(await row("ines").getByLabel("Role of ines").inputValue(), "analyst");

  // The only owner cannot step down, and is told why.
  await row(OWNER).getByLabel(`Role of ${OWNER}`).selectOption("auditor");
  page.once("dialog", (d) => d.accept());
  await row(OWNER).getByRole("button", { name: `Change role of ${OWNER}` }).click();
  await page.getByRole("alert").filter({ hasText: "only owner" }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/members", "still here, still the owner");

  // An account that does not exist: who makes accounts, and how.
  await page.getByLabel("User name").fill("nobody");
  await page.getByRole("button", { name: "Add member" }).click();
  await page.getByRole("alert").filter({ hasText: "idiograph admin create-user nobody" }).waitFor();

  // Removing asks first: cancelled, nothing happens; confirmed, bea is gone.
  let asked = "";
  page.once("dialog", (d) => {
    asked = d.message();
    d.dismiss();
  });
  await row("bea").getByRole("button", { name: "Remove bea" }).click();
  assert.match(asked, /Remove bea from this study\?/);
  assert.equal(await row("bea").count(), 1);
  page.once("dialog", (d) => d.accept());
  await reloading(page, () => row("bea").getByRole("button", { name: "Remove bea" }).click());
  await page.locator("#flash").filter({ hasText: "Removed bea." }).waitFor();
  assert.equal(await row("bea").count(), 0);

  const members = await (await page.request.get(BASE + "/api/v1/members")).json();
  assert.deepEqual(
    members.members.map((m) => `${m.name} ${m.role}`).sort(),
    [`${ANALYST} analyst`, "ines analyst", `${OWNER} owner`].sort(),
  );
  // The refusals above answered 404 and 409 on purpose; anything else is a fault of the page.
  const unexpected = problems.filter((p) => !/status of (404|409)/.test(p));
  assert.deepEqual(unexpected, [], "errors in the page (CSP violations show here)");
});

test("an analyst has no Members link and is refused the page", { skip }, async () => {
  const { page } = await logIn(ANALYST);
  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Journal" }).waitFor();
  assert.equal(await nav.getByRole("link", { name: "Members" }).count(), 0);
  const res = await page.goto(BASE + "/members");
  assert.equal(res.status(), 403);
});
