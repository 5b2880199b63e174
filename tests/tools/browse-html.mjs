// Opens an HTML report of `aimsc eval --format html` in Debian's chromium, headless and offline,
// and prints as JSON what a reader would see: the totals, the rows each filter leaves, the
// console's errors and every request the page made. With a second argument, also saves a
// screenshot of each level of the report into that folder.
//
//   node browse-html.mjs REPORT.html [SCREENSHOT_DIR]
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [report, shots] = process.argv.slice(2);
const url = pathToFileURL(path.resolve(report)).href;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
const errors = [];
const requests = [];
page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`); });
page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
page.on("request", (r) => { if (r.url() !== url && !r.url().startsWith(url + "#")) requests.push(r.url()); });

await page.goto(url, { waitUntil: "load" });

const totals = await page.$$eval("[id^=total-]", (els) =>
  Object.fromEntries(els.map((e) => [e.id.slice("total-".length), Number(e.textContent)])));
const visible = () => page.$$eval("#control-table tbody tr", (rows) =>
  rows.filter((r) => !r.hidden && r.offsetParent !== null).map((r) => r.querySelector("th a").textContent));
const shown = () => page.textContent("#shown");

const out = { totals, all: await visible(), filters: {} };
if (shots) { await page.screenshot({ path: path.join(shots, "html-summary.png") }); }

await page.selectOption("#f-outcome", "fail");
out.filters.fail = { ids: await visible(), shown: await shown() };
await page.selectOption("#f-framework", "iso42001");
out.filters.fail_iso42001 = { ids: await visible(), shown: await shown() };
await page.click("#f-reset");
await page.fill("#f-search", "impact");
out.filters.search_impact = { ids: await visible(), shown: await shown() };
await page.click("#f-reset");
// Keyboard only: tab to the outcome filter and choose with the arrow keys.
await page.focus("#f-framework");
await page.keyboard.press("Tab");
out.focused_after_tab = await page.evaluate(() => document.activeElement && document.activeElement.id);
await page.click("#f-reset");
out.after_reset = (await visible()).length;

if (shots) {
  await page.selectOption("#f-outcome", "fail");
  await page.locator("#controls").scrollIntoViewIfNeeded();
  await page.evaluate(() => document.getElementById("controls").scrollIntoView());
  await page.screenshot({ path: path.join(shots, "html-controls.png") });
  await page.click("#f-reset");
}
// A link from the table opens the control's detail.
const firstFail = out.filters.fail.ids[0];
if (firstFail) {
  await page.click(`#control-table tbody tr[data-outcome=fail] th a >> nth=0`);
  const open = await page.evaluate(() => {
    const d = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    return d && d.tagName === "DETAILS" && d.open ? d.querySelector("summary .mono").textContent : null;
  });
  out.detail_opened = open;
  out.detail_locations = await page.evaluate(() => {
    const d = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    return Array.from(d.querySelectorAll(".mono")).map((e) => e.textContent).filter((t) => / at .*:\d+:\d+$|^at .*:\d+:\d+$/.test(t));
  });
  if (shots) { await page.screenshot({ path: path.join(shots, "html-detail.png") }); }
}
out.errors = errors;
out.requests = requests;
await browser.close();
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
