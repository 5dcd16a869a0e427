// The team server in headless Chromium: an anonymous visit lands on the login page, a wrong
// password is refused, and logging in through the form opens the dashboard with the member's
// name; logging out returns to the login page. The Rust test
// crates/idiograph-web/tests/browser.rs serves a `--team` project and runs this file with
// IDIOGRAPH_TEAM_URL, IDIOGRAPH_TEAM_USER and IDIOGRAPH_TEAM_PASSWORD set.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const BASE = process.env.IDIOGRAPH_TEAM_URL?.replace(/\/$/, "");
const USER = process.env.IDIOGRAPH_TEAM_USER;
const PASSWORD = process.env.IDIOGRAPH_TEAM_PASSWORD;
const skip = BASE ? false : "IDIOGRAPH_TEAM_URL is not set (run through cargo test -p idiograph-web --test browser)";

let browser;
let page;

before(async () => {
  if (skip) return;
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
