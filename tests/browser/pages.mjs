// Drives the pages in Debian's Chromium through playwright-core (installed by
// `npm ci --prefix .ci/tools`): for each page, with JavaScript on, the
// console errors, the failed requests and every request to another origin
// (blocked: the pages must work with the network restricted to the server),
// an axe-core scan (WCAG 2.1 A and AA rules) and a full-page screenshot; with
// JavaScript off, the finder's offers in order. Prints one JSON report.
//
// node tests/browser/pages.mjs <base URL> <screenshot dir> <path> [<path> …]
// A path prefixed `nojs:` is loaded with JavaScript off and reports the
// `data-offer` attributes it holds. `fill:<path>?region=…&role=…` loads the
// page with JavaScript on, types the region and picks the role in the form
// like a person (no page load: the script fetches the results) and reports
// the offers shown and the address bar. Every page is also loaded 320 CSS
// pixels wide (WCAG 2.1 SC 1.4.10 reflow) and reports whether it scrolls
// sideways. `race:/dashboard?first=<topic>&second=<topic>` picks one topic
// and then the other while the answer to the first is held back, so the
// answers arrive in reverse order, and reports what the board shows.
import { createRequire } from "node:module";
import { readFileSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const tools = join(dirname(fileURLToPath(import.meta.url)), "../../.ci/tools/package.json");
const require = createRequire(tools);
const { chromium } = require("playwright-core");
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const [base, shots, ...paths] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const origin = new URL(base).origin;
const browser = await chromium.launch({
  executablePath: process.env.LOTSE_TEST_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const report = [];
try {
  for (const entry of paths) {
    const nojs = entry.startsWith("nojs:");
    const fill = entry.startsWith("fill:");
    const race = entry.startsWith("race:");
    const path = nojs ? entry.slice(5) : fill || race ? entry.slice(5).split("?")[0] : entry;
    // bypassCSP lets the test inject axe; the pages' own code runs under it.
    const context = await browser.newContext({
      javaScriptEnabled: !nojs,
      bypassCSP: !nojs && !fill && !race,
      locale: "de-DE",
      viewport: { width: 1280, height: 900 },
    });
    const offsite = [];
    await context.route("**/*", (route) => {
      if (new URL(route.request().url()).origin === origin) return route.continue();
      offsite.push(route.request().url());
      return route.abort();
    });
    const page = await context.newPage();
    const consoleErrors = [];
    const failed = [];
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    page.on("pageerror", (e) => consoleErrors.push(String(e)));
    page.on("requestfailed", (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
    page.on("response", (r) => r.status() >= 400 && failed.push(`${r.url()} ${r.status()}`));
    const response = await page.goto(base + path, { waitUntil: "networkidle" });
    const html = await page.content();
    const result = { path, nojs, status: response.status(), consoleErrors, failed, offsite };
    const offersIn = (text) => [...text.matchAll(/data-offer="([^"]*)"/g)].map((m) => m[1]);
    if (nojs) {
      result.offers = offersIn(html);
    } else if (fill) {
      const asked = new URLSearchParams(entry.slice(5).split("?")[1] || "");
      // Survives only if the page is not loaded again.
      await page.evaluate(() => (window.__sameDocument = true));
      await page.fill("#region", asked.get("region") || "");
      await page.selectOption("#role", asked.get("role") || "");
      await page.waitForSelector("#found", { timeout: 10000 });
      await page.waitForLoadState("networkidle");
      result.offers = offersIn(await page.content());
      result.url = page.url();
      result.sameDocument = await page.evaluate(() => window.__sameDocument === true);
      result.status_text = await page.textContent("#status");
    } else if (race) {
      const asked = new URLSearchParams(entry.slice(5).split("?")[1] || "");
      let held = true;
      await page.route("**/dashboard?*", async (route) => {
        if (held) {
          held = false;
          await new Promise((resolve) => setTimeout(resolve, 1500));
        }
        await route.continue();
      });
      await page.selectOption("#topic", asked.get("first"));
      await page.waitForTimeout(200);
      await page.selectOption("#topic", asked.get("second"));
      await page.waitForTimeout(3000);
      await page.waitForLoadState("networkidle");
      result.url = page.url();
      result.topic = await page.inputValue("#topic");
      result.total = await page.getAttribute("[data-total]", "data-total");
    } else {
      await page.addScriptTag({ content: axeSource });
      const axe = await page.evaluate(() =>
        window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }),
      );
      result.violations = axe.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
      const name = path.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "") || "home";
      result.screenshot = join(shots, `${name}.png`);
      await page.screenshot({ path: result.screenshot, fullPage: true });
      await page.setViewportSize({ width: 320, height: 640 });
      result.sideways = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      await page.screenshot({ path: result.screenshot.replace(/\.png$/, "-320.png"), fullPage: true });
    }
    report.push(result);
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
