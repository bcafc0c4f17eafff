// Drives Debian's Chromium (playwright-core, no downloaded browser) over an exported site:
// search, filters, the "+" contribute links, keyboard and landmarks, file:// use, and the hostile
// persona, which must run no script, open no dialog and navigate nowhere, with the site's
// Content-Security-Policy and again with it stripped (so escaping alone is tested too), and in
// the Markdown export as a permissive Markdown renderer (cmark --unsafe) shows it.
//
//   node site-test.js --url http://127.0.0.1:PORT/ --dir EXPORT_DIR --profile DIR [--shots DIR]
//
// Run by tests/e2e/browser.sh, which exports the site and serves it.
"use strict";

const path = require("path");
const { pathToFileURL } = require("url");
const { chromium } = require("playwright-core");

const CHROMIUM = "/usr/bin/chromium";

function parseArgs(argv) {
  const out = {};
  for (let i = 2; i < argv.length; i += 2) out[argv[i].replace(/^--/, "")] = argv[i + 1];
  for (const k of ["url", "dir", "profile"]) {
    if (!out[k]) throw new Error("missing --" + k);
  }
  return out;
}

const args = parseArgs(process.argv);
let passed = 0;
let failed = 0;

function check(name, ok, detail) {
  if (ok) {
    passed++;
    console.log("ok - " + name);
  } else {
    failed++;
    console.log("not ok - " + name + (detail === undefined ? "" : "\n  " + JSON.stringify(detail)));
  }
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function visiblePids(page) {
  return page.$$eval("#cards > li.card", (els) => els.filter((e) => !e.hidden).map((e) => e.dataset.pid));
}

// Everything a hostile persona could have smuggled into the DOM.
async function audit(page) {
  return page.evaluate(() => {
    const problems = [];
    for (const el of document.querySelectorAll("*")) {
      for (const a of el.attributes) {
        if (/^on/i.test(a.name)) problems.push("event attribute " + a.name + " on <" + el.localName + ">");
        if (/^(href|src|action|formaction|data|xlink:href)$/i.test(a.name) && /^\s*(javascript|data|vbscript):/i.test(a.value))
          problems.push(a.name + "=" + a.value.slice(0, 40) + " on <" + el.localName + ">");
      }
    }
    for (const s of document.scripts) {
      if (!/\/assets\/(search|search-index|search\/\d+)\.js$/.test(s.src) || s.textContent.trim() !== "")
        problems.push("script " + (s.src || s.textContent.slice(0, 40)));
    }
    const banned = "iframe, frame, object, embed, svg, math, img, base, style, audio, video, template, " +
                   "meta[http-equiv=refresh], link:not([rel=stylesheet]):not([rel=icon]):not([rel=canonical])";
    for (const el of document.querySelectorAll(banned)) problems.push("element <" + el.localName + ">");
    for (const f of document.forms) {
      if (!/\/index\.html$/.test(new URL(f.action).pathname)) problems.push("form to " + f.action);
    }
    for (const a of document.querySelectorAll("a[href]")) {
      const u = new URL(a.href, location.href);
      const local = u.protocol === location.protocol && u.host === location.host;
      if (!local && !["http:", "https:", "mailto:"].includes(u.protocol)) problems.push("link " + a.href);
    }
    return problems;
  });
}

async function headingsInOrder(page) {
  return page.evaluate(() => {
    const levels = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map((h) => +h.tagName[1]);
    let ok = levels.filter((l) => l === 1).length === 1 && levels[0] === 1;
    for (let i = 1; i < levels.length; i++) if (levels[i] > levels[i - 1] + 1) ok = false;
    return { ok, levels };
  });
}

async function main() {
  const base = args.url.endsWith("/") ? args.url : args.url + "/";
  const context = await chromium.launchPersistentContext(args.profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(15000);
  const external = [];
  context.on("request", (r) => {
    const u = new URL(r.url());
    if (!(u.protocol === "file:" || u.hostname === "127.0.0.1")) external.push(r.url());
  });
  const page = context.pages()[0] || (await context.newPage());
  const dialogs = [];
  const errors = [];
  page.on("dialog", async (d) => {
    dialogs.push(d.type() + ": " + d.message());
    await d.dismiss().catch(() => {});
  });
  page.on("pageerror", (e) => errors.push("pageerror: " + e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push("console: " + m.text()); });

  // --- search --------------------------------------------------------------------------------
  await page.goto(base + "index.html");
  await page.waitForSelector("#filters:not([hidden])");
  check("the index shows every persona", same(await visiblePids(page), ["APP-116", "APP-153", "APP-200", "APP-666"]),
        await visiblePids(page));
  const indexed = await page.evaluate(() => window.PERSONA_SEARCH.personas.map((p) => p.pid).sort());
  check("the search index's shards add every persona to it", same(indexed, ["APP-116", "APP-153", "APP-200", "APP-666"]),
        indexed);
  await page.fill("#q", "debugger");
  check("search finds a persona by a word in its scenario", same(await visiblePids(page), ["APP-153"]),
        await visiblePids(page));
  check("the status says how many match", (await page.textContent("#results-status")) === "1 of 4 personas",
        await page.textContent("#results-status"));
  const match = await page.$eval("li[data-pid='APP-153'] .card-match", (p) => ({
    label: p.querySelector("strong").textContent, mark: p.querySelector("mark").textContent }));
  check("the match is shown in its field", same(match, { label: "Scenario: ", mark: "debugger" }), match);
  check("the search is kept in the address", page.url().endsWith("index.html?q=debugger"), page.url());
  await page.fill("#q", "DÉBUGGER");
  check("search ignores case and accents", same(await visiblePids(page), ["APP-153"]), await visiblePids(page));
  await page.fill("#q", "photographers dispute");
  check("every word must match somewhere", same(await visiblePids(page), ["APP-116"]), await visiblePids(page));
  await page.fill("#q", "zzzqqq");
  check("no match shows the empty state",
        (await visiblePids(page)).length === 0 && (await page.isVisible("#no-results")));
  await page.fill("#q", "");
  check("clearing the search shows every persona again", (await visiblePids(page)).length === 4);

  // --- filters -------------------------------------------------------------------------------
  await page.selectOption("#filter-app", "stripe");
  check("the app filter works", same(await visiblePids(page), ["APP-116"]), await visiblePids(page));
  await page.selectOption("#filter-app", "");
  await page.selectOption("#filter-category", "authentication");
  check("the category filter works", same(await visiblePids(page), ["APP-200"]), await visiblePids(page));
  await page.selectOption("#filter-category", "");
  await page.selectOption("#filter-tag", "warehouse");
  check("the tag filter works", same(await visiblePids(page), ["APP-153"]), await visiblePids(page));
  await page.fill("#q", "stripe");
  check("filters and search combine", same(await visiblePids(page), ["APP-153"]), await visiblePids(page));
  check("filters are kept in the address", page.url().endsWith("index.html?q=stripe&tag=warehouse"), page.url());
  await page.click("#filter-reset");
  await page.waitForFunction(() => document.querySelectorAll("#cards > li.card:not([hidden])").length === 4);
  check("Clear resets search and filters", (await visiblePids(page)).length === 4);
  await page.goto(base + "index.html?tag=xss");
  await page.waitForSelector("#filters:not([hidden])");
  check("a filter in the address applies on load",
        same(await visiblePids(page), ["APP-666"]) && (await page.inputValue("#filter-tag")) === "xss",
        await visiblePids(page));
  await page.goto(base + "personas/app-116.html");
  await page.fill("#site-search", "debugger");
  await page.press("#site-search", "Enter");
  await page.waitForURL(/index\.html\?q=debugger$/);
  await page.waitForSelector("#filters:not([hidden])");
  check("the header search of any page leads to the results", same(await visiblePids(page), ["APP-153"]),
        await visiblePids(page));

  // --- the "+" links ---------------------------------------------------------------------------
  await page.goto(base + "personas/app-153.html");
  check("every section has a +", (await page.$$("section.field-section details.contribute")).length === 14);
  await page.click("#scenario details.contribute summary");
  check("the + opens its menu", await page.isVisible("#scenario .contribute-menu a"));
  const links = await page.$$eval("#scenario .contribute-menu a", (as) => as.map((a) => a.href));
  const parsed = links.map((l) => {
    const u = new URL(l);
    return [u.origin + u.pathname, u.searchParams.get("template"), u.searchParams.get("pid"),
            u.searchParams.get("field"), u.searchParams.get("kind")];
  });
  const form = "https://github.com/persona-library/persona/issues/new";
  check("the + links carry pid, field and kind", same(parsed, [
    [form, "contribution.yml", "APP-153", "scenario", "confirm"],
    [form, "contribution.yml", "APP-153", "scenario", "correct"],
    [form, "contribution.yml", "APP-153", "scenario", "extend"],
  ]), parsed);
  check("the community state is beside the section",
        (await page.textContent("#scenario .stats")).replace(/\s+/g, " ").trim() ===
        "1 correction 1 confirmation of an earlier version last activity 2026-10-01",
        await page.textContent("#scenario .stats"));
  check("comments are listed under the persona", (await page.$$("#comments li.comment")).length === 3);

  // --- keyboard and landmarks ----------------------------------------------------------------
  await page.goto(base + "personas/app-153.html");
  await page.keyboard.press("Tab");
  check("the first Tab reaches the skip link",
        await page.evaluate(() => document.activeElement.classList.contains("skip-link")));
  await page.keyboard.press("Enter");
  check("the skip link goes to the content", page.url().endsWith("#main"), page.url());
  await page.focus("#goals summary");
  await page.keyboard.press("Enter");
  check("a + opens from the keyboard", await page.$eval("#goals details.contribute", (d) => d.open));
  for (const p of ["index.html", "personas/app-153.html", "apps/segment.html"]) {
    await page.goto(base + p);
    const h = await headingsInOrder(page);
    check("headings are in order on " + p, h.ok, h.levels);
    const marks = await page.evaluate(() => ["header", "main", "footer"].map((t) => document.querySelectorAll(t).length > 0));
    check("header, main and footer landmarks on " + p, same(marks, [true, true, true]), marks);
    const unlabeled = await page.$$eval("input, select", (els) => els.filter((e) => e.labels.length === 0).map((e) => e.id));
    check("every control has a label on " + p, unlabeled.length === 0, unlabeled);
  }

  // --- the hostile persona, with and without the Content-Security-Policy ---------------------
  const hostile = ["personas/app-666.html", "index.html", "index.html?q=script", "index.html?tag=xss",
                   "apps/hostile.html", "categories/security.html"];
  for (const mode of ["with CSP", "without CSP"]) {
    let stripped = 0;
    if (mode === "without CSP") {
      await page.route(/\.html(\?.*)?$/, async (route) => {
        const response = await route.fetch();
        const body = (await response.text()).replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, () => {
          stripped++;
          return "";
        });
        await route.fulfill({ response, body });
      });
    }
    for (const p of hostile) {
      const before = dialogs.length;
      await page.goto(base + p);
      await page.waitForTimeout(600);
      await page.$$eval("details", (ds) => ds.forEach((d) => { d.open = true; }));
      await page.mouse.move(200, 300);
      await page.mouse.move(600, 500);
      await page.waitForTimeout(200);
      const problems = await audit(page);
      check(mode + ": " + p + " holds no hostile element, attribute or link", problems.length === 0, problems);
      check(mode + ": " + p + " ran no script of the persona", await page.evaluate(() => typeof window.__pwned === "undefined"));
      check(mode + ": " + p + " opened no dialog", dialogs.length === before, dialogs.slice(before));
      check(mode + ": " + p + " did not navigate", page.url() === base + p, page.url());
    }
    if (mode === "without CSP") {
      check("the policy was really stripped from every page", stripped === hostile.length, stripped);
      await page.unroute(/\.html(\?.*)?$/);
    }
  }
  await page.goto(base + "index.html?q=script");
  await page.waitForSelector("#filters:not([hidden])");
  const shown = await page.$eval("li[data-pid='APP-666'] .card-match", (p) => p.textContent);
  check("hostile text found by search is shown as text", shown.includes("<script>"), shown);
  const title = await page.$eval("li[data-pid='APP-666'] .card-title", (h) => h.textContent);
  check("the hostile name reads as written", title === "The Hostile <script>window.__pwned=\"name\"</script> 'Quote\" Persona", title);

  // --- the Markdown export, rendered by a permissive renderer (cmark --unsafe) ----------------
  // browser.sh renders the hostile persona's .md file and the index as a viewer that allows raw
  // HTML would, into markdown/*.html, and a control page whose raw <script> must run (so a test
  // that sees no script run is seeing something).
  await page.goto(base + "markdown/control.html");
  await page.waitForTimeout(200);
  check("the permissive renderer passes raw HTML through (control)",
        await page.evaluate(() => window.__control === 1));
  for (const p of ["markdown/app-666.html", "markdown/README.html"]) {
    const before = dialogs.length;
    await page.goto(base + p);
    await page.waitForTimeout(600);
    await page.mouse.move(200, 300);
    await page.mouse.move(600, 500);
    await page.waitForTimeout(200);
    const problems = await audit(page);
    check("Markdown export: " + p + " holds no hostile element, attribute or link", problems.length === 0, problems);
    check("Markdown export: " + p + " ran no script of the persona",
          await page.evaluate(() => typeof window.__pwned === "undefined"));
    check("Markdown export: " + p + " opened no dialog", dialogs.length === before, dialogs.slice(before));
    check("Markdown export: " + p + " did not navigate", page.url() === base + p, page.url());
  }
  const mdText = await page.goto(base + "markdown/app-666.html").then(() => page.textContent("body"));
  check("Markdown export: the hostile text reads as written",
        mdText.includes("<script>window.__pwned = \"identity\"; alert(1)</script>"), mdText.slice(0, 400));
  const mdLinks = await page.$$eval("a[href]", (as) => as.map((a) => a.getAttribute("href")));
  check("Markdown export: only the safe links of the persona survive, its image as a link",
        mdLinks.filter((h) => !h.startsWith("../") && !h.startsWith("https://github.com/")).join(" ") ===
        "https://example.org/safe https://tracker.example/pixel.gif", mdLinks);

  // --- from file://, offline -----------------------------------------------------------------
  const fileIndex = pathToFileURL(path.join(args.dir, "index.html")).href;
  await page.goto(fileIndex);
  await page.waitForSelector("#filters:not([hidden])");
  await page.fill("#q", "debugger");
  check("search works from file://", same(await visiblePids(page), ["APP-153"]), await visiblePids(page));
  await page.click("li[data-pid='APP-153'] .card-title a");
  await page.waitForURL(/personas\/app-153\.html$/);
  check("cards link to persona pages from file://",
        (await page.textContent("h1")) === "The Segment Data Architect");
  const cssLoaded = await page.evaluate(() => getComputedStyle(document.body).fontFamily.includes("system-ui"));
  check("the stylesheet loads from file://", cssLoaded);

  // --- screenshots for people ----------------------------------------------------------------
  if (args.shots) {
    for (const [name, p, width, height] of [
      ["index-desktop", "index.html", 1280, 900], ["index-phone", "index.html", 390, 844],
      ["persona-desktop", "personas/app-153.html", 1280, 900], ["persona-phone", "personas/app-153.html", 390, 844],
      ["hostile-desktop", "personas/app-666.html", 1280, 900],
    ]) {
      await page.setViewportSize({ width, height });
      await page.goto(base + p);
      await page.waitForTimeout(200);
      await page.screenshot({ path: path.join(args.shots, name + ".png"), fullPage: false });
    }
  }

  check("no request left this machine", external.length === 0, external);
  check("no script error or policy violation", errors.length === 0, errors);
  check("no dialog at all", dialogs.length === 0, dialogs);
  await context.close();
}

main()
  .catch((e) => {
    failed++;
    console.log("not ok - the browser test crashed: " + (e && e.stack ? e.stack : e));
  })
  .finally(() => {
    console.log("browser: " + passed + " passed, " + failed + " failed");
    process.exit(failed === 0 ? 0 : 1);
  });
