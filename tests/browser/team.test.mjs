// The team server in headless Chromium: an anonymous visit lands on the login page, a wrong
// password is refused, and logging in through the form opens the dashboard with the member's
// name; logging out returns to the login page. Then a team server of many projects: a member's
// home page lists their studies, opens one under /projects/ID/ and back, and an owner makes a new
// one there. The Rust test crates/idiograph-web/tests/browser.rs serves a `--team` project and
// the projects of a PostgreSQL database, and runs this file with IDIOGRAPH_TEAM_URL,
// IDIOGRAPH_TEAM_USER, IDIOGRAPH_TEAM_PASSWORD and IDIOGRAPH_TEAM_HOME_URL (with
// IDIOGRAPH_TEAM_HOME_USER, IDIOGRAPH_TEAM_HOME_THEIRS and IDIOGRAPH_TEAM_HOME_OTHERS) set.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { axeCheck } from "./support.mjs";

const BASE = process.env.IDIOGRAPH_TEAM_URL?.replace(/\/$/, "");
const USER = process.env.IDIOGRAPH_TEAM_USER;
const PASSWORD = process.env.IDIOGRAPH_TEAM_PASSWORD;
const skip = BASE ? false : "IDIOGRAPH_TEAM_URL is not set (run through cargo test -p idiograph-web --test browser)";
const HOME = process.env.IDIOGRAPH_TEAM_HOME_URL?.replace(/\/$/, "");
const HOME_USER = process.env.IDIOGRAPH_TEAM_HOME_USER;
/** The title of the one study the home page's member has a role in, and of one they have none in. */
const THEIRS = process.env.IDIOGRAPH_TEAM_HOME_THEIRS;
const OTHERS = process.env.IDIOGRAPH_TEAM_HOME_OTHERS;
const skipHome = HOME ? false : "IDIOGRAPH_TEAM_HOME_URL is not set (run through cargo test -p idiograph-web --test browser)";

let browser;
let page;

before(async () => {
  if (skip && skipHome) return;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(10_000);
});

after(async () => {
  await browser?.close();
});

test("a member logs in through the form and sees the dashboard", { skip }, async () => {
  await page.goto(BASE + "/");
  assert.equal(new URL(page.url()).pathname, "/login", "an anonymous visit is sent to the login page");

  await page.getByLabel("User name").fill(USER);
  await page.getByLabel("Password").fill("not the password");
  await Promise.all([page.waitForEvent("load"), page.getByRole("button", { name: "Log in" }).click()]);
  await page.getByRole("alert").filter({ hasText: "Wrong user name or password." }).waitFor();

  await page.getByLabel("User name").fill(USER);
  await page.getByLabel("Password").fill(PASSWORD);
  await Promise.all([page.waitForURL(BASE + "/"), page.getByRole("button", { name: "Log in" }).click()]);
  await page.getByRole("heading", { level: 1 }).first().waitFor();
  assert.match(await page.locator(".signed-in").innerText(), new RegExp(`${USER} \\(owner\\)`));
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === "idiograph_session");
  assert.ok(session?.httpOnly, "the session cookie is HttpOnly");
  assert.equal(session.sameSite, "Strict");

  await Promise.all([page.waitForURL(BASE + "/login"), page.getByRole("button", { name: "Log out" }).click()]);
  await page.goto(BASE + "/");
  assert.equal(new URL(page.url()).pathname, "/login", "logged out");
});

test("a member of a team server of many projects sees theirs, opens one, and makes a new one", { skip: skipHome }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const home = await context.newPage();
  home.setDefaultTimeout(10_000);
  await home.goto(HOME + "/");
  assert.equal(new URL(home.url()).pathname, "/login", "an anonymous visit is sent to the login page");
  await home.getByLabel("User name").fill(HOME_USER);
  await home.getByLabel("Password").fill(PASSWORD);
  await Promise.all([home.waitForURL(HOME + "/"), home.getByRole("button", { name: "Log in" }).click()]);

  // The home page lists the member's studies, not others', and no file names.
  await home.getByRole("heading", { level: 1, name: "Your studies" }).waitFor();
  const rows = home.locator("#studies tbody tr");
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().innerText(), new RegExp(`${THEIRS}[\\s\\S]*owner`));
  assert.equal(await home.getByText(OTHERS).count(), 0, "another project is not shown");
  assert.equal(await home.locator("#import-study").count(), 0, "no REFI-QDA import from a folder");
  assert.match(await home.locator(".signed-in").innerText(), new RegExp(HOME_USER));
  await axeCheck(home, "team-home");

  // A study opens under its own address and links back home.
  await Promise.all([home.waitForURL(/\/projects\/idg_[a-z0-9]+\/$/), home.getByRole("link", { name: THEIRS }).click()]);
  await home.getByRole("heading", { level: 1 }).first().waitFor();
  assert.equal(await home.locator("html").getAttribute("data-base"), new URL(home.url()).pathname.replace(/\/$/, ""));
  await Promise.all([home.waitForURL(HOME + "/"), home.getByRole("link", { name: "All studies" }).click()]);

  // An owner makes a new study there, which opens and is then listed as theirs.
  await home.getByLabel("Title").fill("Made in the browser");
  await home.getByLabel("Research question").fill("How do trainees talk about uncertainty?");
  await Promise.all([home.waitForURL(/\/projects\/idg_[a-z0-9]+\/$/), home.getByRole("button", { name: "Create the study" }).click()]);
  await home.getByRole("heading", { level: 1, name: "Made in the browser" }).waitFor();
  await axeCheck(home, "team-home-new-study");
  await Promise.all([home.waitForURL(HOME + "/"), home.getByRole("link", { name: "All studies" }).click()]);
  assert.equal(await rows.count(), 2);
  await home.getByRole("link", { name: "Made in the browser" }).waitFor();

  await Promise.all([home.waitForURL(HOME + "/login"), home.getByRole("button", { name: "Log out" }).click()]);
  await home.goto(HOME + "/");
  assert.equal(new URL(home.url()).pathname, "/login", "logged out");
  await context.close();
});
