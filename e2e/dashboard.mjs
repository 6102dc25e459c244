// Drives the dashboard in Debian's headless Chromium: logs in, opens every page at desktop
// and phone widths, switches language, acknowledges an alert, approves a recommendation and
// imports an upload. Screenshots go to $E2E_ARTIFACTS. Exits non-zero on the first failure.
//
// Env: BASE_URL, E2E_USER, E2E_PASSWORD, E2E_VIEWER, E2E_UPLOAD (a CSV export to import),
// E2E_ARTIFACTS, CHROMIUM (default /usr/bin/chromium).
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import assert from "node:assert/strict";

const base = process.env.BASE_URL;
const out = process.env.E2E_ARTIFACTS || "e2e/artifacts";
mkdirSync(out, { recursive: true });
const PAGES = ["/", "/targets", "/alerts", "/paid", "/users", "/experiments", "/risk", "/archive", "/import"];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const step = (name) => console.log("step:", name);
// Anything the Content-Security-Policy blocked, from every page of every context.
const blocked = [];
function watch(page) {
  page.on("console", (m) => {
    if (/Content.Security.Policy/i.test(m.text())) blocked.push(`${page.url()}: ${m.text()}`);
  });
  return page;
}

async function ready(page) {
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30000 });
  const err = await page.$eval("#error", (e) => (e.hidden ? "" : e.textContent)).catch(() => "");
  assert.equal(err, "", `${page.url()} shows an error: ${err}`);
}

async function login(page, name, password) {
  await page.goto(base + "/alerts");
  await page.waitForURL(/\/login\?next=/);
  await page.fill("#name", name);
  await page.fill("#password", password);
  await page.click("#submit");
  await page.waitForURL((u) => u.pathname === "/alerts");
  await ready(page);
}

try {
  // A wrong password stays on the login page with a message.
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = watch(await ctx.newPage());
  page.on("dialog", (d) => d.accept(d.type() === "prompt" ? "运营小王" : undefined));
  step("wrong password");
  await page.goto(base + "/login");
  await page.fill("#name", process.env.E2E_USER);
  await page.fill("#password", "not-the-password");
  await page.click("#submit");
  await page.waitForSelector("#error:not([hidden])");
  step("login");
  await login(page, process.env.E2E_USER, process.env.E2E_PASSWORD);

  step("every page, Chinese, desktop: no code on screen");
  // Every code the label table knows (rules, actions, statuses, segments, sources…), and
  // anything shaped like a code (snake_case), must not be visible text in Chinese mode.
  const codes = await page.evaluate(async () => {
    const l = await (await fetch("/api/v1/labels")).json();
    return [...new Set(Object.values(l.zh).flatMap((kind) => Object.keys(kind)))];
  });
  assert.ok(codes.includes("raise_budget") && codes.includes("important_value"), "the label table lists the codes");
  const escRe = (c) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const codeRe = new RegExp(`(?<![A-Za-z0-9_])(${codes.map(escRe).join("|")})(?![A-Za-z0-9_])`);
  for (const p of PAGES) {
    await page.goto(base + p);
    await ready(page);
    assert.equal(await page.getAttribute("html", "lang"), "zh-CN", p);
    const text = await page.evaluate(() => document.body.innerText);
    const snake = text.match(/\b[a-z]+_[a-z_]+\b/);
    assert.equal(snake, null, `${p} shows a code: ${snake && snake[0]}`);
    const bare = text.match(codeRe);
    assert.equal(bare, null, `${p} shows the code ${bare && bare[1]}: …${bare && text.slice(Math.max(0, bare.index - 40), bare.index + 40)}…`);
    if (p === "/users") {
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      assert.ok(height < 4000, `the users page is ${height}px tall at 1366px`);
    }
    const active = await page.$eval("nav a.active", (a) => a.getAttribute("href"));
    assert.equal(active, p, `nav marks ${p}`);
    await page.screenshot({ path: `${out}/zh-desktop${p === "/" ? "-overview" : p.replace("/", "-")}.png`, fullPage: true });
  }
  await page.goto(base + "/");
  await ready(page);
  assert.ok(await page.$('[data-metric="gmv"]'), "overview shows the GMV card");
  assert.match(await page.textContent("main"), /核心指标/);

  step("switch language");
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "en");
  await ready(page);
  assert.match(await page.textContent("nav"), /Overview/);
  assert.match(await page.textContent("main"), /KPIs vs targets/);
  await page.screenshot({ path: `${out}/en-desktop-overview.png`, fullPage: true });
  // The choice follows to the next page.
  await page.goto(base + "/paid");
  await ready(page);
  assert.match(await page.textContent("main"), /Recommendations/);
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "zh-CN");
  await ready(page);

  step("acknowledge an alert");
  await page.goto(base + "/alerts?status=open");
  await ready(page);
  const ack = await page.waitForSelector('button[data-act="ack"]');
  const alertId = await ack.getAttribute("data-id");
  await ack.click();
  await page.waitForFunction((id) => !document.querySelector(`button[data-act="ack"][data-id="${id}"]`), alertId);
  await page.click(`button[data-act="history"][data-id="${alertId}"]`);
  await page.waitForSelector("#history li");
  assert.match(await page.textContent("#history"), /已确认/);
  step("assign it");
  await page.click(`button[data-act="assign"][data-id="${alertId}"]`);
  await page.waitForFunction(() => document.querySelector("#list").textContent.includes("运营小王"));
  await page.screenshot({ path: `${out}/zh-desktop-alerts-acknowledged.png`, fullPage: true });

  step("approve a recommendation");
  await page.goto(base + "/paid");
  await ready(page);
  const approve = await page.waitForSelector('button[data-verb="approve"]');
  const recId = await approve.getAttribute("data-id");
  await approve.click();
  await page.waitForFunction((id) => !document.querySelector(`button[data-verb="approve"][data-id="${id}"]`) &&
    document.querySelector(`button[data-verb="apply"][data-id="${id}"]`), recId);
  const audit = await page.textContent("#audit");
  const recPlan = recId.split(":")[1];
  assert.ok(audit.includes(recPlan) && audit.includes("已批准"), "the audit log shows the approval");
  await page.screenshot({ path: `${out}/zh-desktop-paid-approved.png`, fullPage: true });

  step("upload an import");
  await page.goto(base + "/import");
  await ready(page);
  await page.setInputFiles("#file", process.env.E2E_UPLOAD);
  await page.click("#check");
  await page.waitForSelector("#report-box:not([hidden])");
  assert.ok(!(await page.isDisabled("#confirm")), "a clean file can be confirmed");
  await page.screenshot({ path: `${out}/zh-desktop-import-report.png`, fullPage: true });
  await page.click("#confirm");
  await page.waitForFunction(() => /已导入|Imported/.test(document.querySelector("#result").textContent));
  await page.screenshot({ path: `${out}/zh-desktop-import-done.png`, fullPage: true });

  step("table sort and filter");
  await page.goto(base + "/paid");
  await ready(page);
  const countBefore = await page.textContent("#plans .count");
  await page.fill("#plans .filter", "zzz-no-such-plan");
  assert.match(await page.textContent("#plans .count"), /^0 \//);
  await page.fill("#plans .filter", "");
  assert.equal(await page.textContent("#plans .count"), countBefore);
  await page.click("#plans th:nth-child(5)");
  assert.equal(await page.getAttribute("#plans th:nth-child(5)", "data-sort"), "asc");

  step("log out");
  await page.click("#logout");
  await page.waitForURL(/\/login/);

  step("after login, a next= that the browser reads as another site goes home");
  await page.goto(base + "/login?next=" + encodeURIComponent("/\\evil.example/x"));
  await page.fill("#name", process.env.E2E_USER);
  await page.fill("#password", process.env.E2E_PASSWORD);
  await page.click("#submit");
  await page.waitForURL((u) => u.pathname === "/");
  assert.equal(new URL(page.url()).origin, new URL(base).origin);
  await ready(page);
  await page.click("#logout");
  await page.waitForURL(/\/login/);
  await ctx.close();

  step("every page, phone width, as a viewer");
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const p2 = watch(await phone.newPage());
  await login(p2, process.env.E2E_VIEWER, process.env.E2E_PASSWORD);
  for (const p of PAGES) {
    await p2.goto(base + p);
    if (p === "/import") {
      await p2.waitForSelector('body[data-ready="1"]');
      assert.ok(await p2.isDisabled("#check"), "viewers cannot import");
    } else {
      await ready(p2);
    }
    if (p === "/paid") assert.equal(await p2.$('button[data-verb="approve"]'), null, "viewers get no approve buttons");
    const overflow = await p2.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${p} fits a phone (overflow ${overflow}px)`);
    await p2.screenshot({ path: `${out}/zh-phone${p === "/" ? "-overview" : p.replace("/", "-")}.png`, fullPage: true });
  }
  await phone.close();
  assert.deepEqual(blocked, [], "the Content-Security-Policy blocked nothing");
  console.log("e2e: all steps passed");
} catch (e) {
  console.error("e2e failed:", e);
  process.exitCode = 1;
} finally {
  await browser.close();
}
