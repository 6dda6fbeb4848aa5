import { expect, test } from "./support/test";
import type { APIRequestContext } from "@playwright/test";
import { KioskPage } from "./pages/kiosk-page";
import { PaymentsListPage } from "./pages/payments-list-page";
import { SellerPage } from "./pages/seller-page";

/** The bundle's entry files, as an app page names them (their names carry hashes). */
async function bundleOf(request: APIRequestContext): Promise<{ wasm: string; js: string }> {
  const html = await (await request.get("/")).text();
  const wasm = /"(\/pkg\/kassa[^"]*\.wasm)"/.exec(html)?.[1];
  const js = /"(\/pkg\/kassa[^"]*\.js)"/.exec(html)?.[1];
  expect(wasm && js, "the page names the bundle").toBeTruthy();
  return { wasm: wasm!, js: js! };
}

// What a store tablet downloads goes out compressed: the bundle precompressed
// (brotli or gzip, in the release build) or gzipped on the fly, pages and
// JSON gzipped; live streams never, or a status change would wait in a buffer.
test("the bundle and pages go out compressed; live streams do not", async ({ page, request }) => {
  const encoding = async (path: string, acceptEncoding = "br, gzip") =>
    (await request.get(path, { headers: { "Accept-Encoding": acceptEncoding } })).headers()["content-encoding"];
  const { wasm, js } = await bundleOf(request);
  expect(["br", "gzip"]).toContain(await encoding(wasm));
  expect(await encoding(wasm, "gzip")).toBe("gzip");
  expect(["br", "gzip"]).toContain(await encoding(js));
  expect(await encoding("/seller/sign-in", "gzip")).toBe("gzip");

  // The till's live stream, as its page opens it.
  const seller = new SellerPage(page);
  await seller.goto();
  const stream = await page.evaluate(async () => {
    const stop = new AbortController();
    const response = await fetch("/seller/events", { signal: stop.signal });
    const seen = [response.headers.get("content-type"), response.headers.get("content-encoding")];
    stop.abort();
    return seen;
  });
  expect(stream).toEqual(["text/event-stream", null]);
});

// The bundle's names carry their content's hash: a tablet keeps the files
// for good and loads none of them when it opens the till again, and an
// upgrade (new names) can never pair new pages with an old cached bundle.
test("the bundle is kept by the browser for good; pages and missing files never are", async ({ page, request }) => {
  const { wasm, js } = await bundleOf(request);
  for (const file of [wasm, js]) {
    expect((await request.get(file)).headers()["cache-control"], file).toBe("public, max-age=31536000, immutable");
  }
  for (const page of ["/", "/shop"]) expect((await request.get(page)).headers()["cache-control"], page).toBe("no-store");
  // A name from another build (an old instance during an upgrade) is not remembered.
  const missing = await request.get(wasm.replace(/\.([\w-]+)\.wasm$/, ".NotThisBuild.wasm"));
  expect(missing.status()).toBe(404);
  expect(missing.headers()["cache-control"]).toBe("no-store");

  // Opening the till a second time loads none of the app's files again
  // (Chromium says which requests its cache answered).
  const seller = new SellerPage(page);
  await seller.goto();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const requested = new Map<string, string>();
  const cached = new Set<string>();
  cdp.on("Network.requestWillBeSent", (event) => {
    if (event.request.url.includes("/pkg/")) requested.set(event.requestId, event.request.url);
  });
  cdp.on("Network.requestServedFromCache", (event) => cached.add(event.requestId));
  cdp.on("Network.responseReceived", (event) => {
    if (event.response.fromDiskCache) cached.add(event.requestId);
  });
  await seller.goto();
  expect(requested.size, "the till uses the bundle").toBeGreaterThan(1);
  const fromNetwork = [...requested].filter(([id]) => !cached.has(id)).map(([, url]) => url);
  expect(fromNetwork, "files fetched again").toEqual([]);
});

// A page is readable, and its forms work, before its code has loaded: on a
// slow link the bundle must not hold up the stylesheet and the first paint.
// So nothing preloads it, and it is fetched only once the page is painted.
test("a page is painted before any of the app's code is fetched", async ({ page, request }) => {
  const html = await (await request.get("/")).text();
  expect(html, "no preload of the bundle or a view's chunks").not.toMatch(/rel="(module)?preload"/);

  await new SellerPage(page).goto(); // which waits for the till to hydrate
  const { painted, code } = await page.evaluate(() => ({
    painted: performance.getEntriesByName("first-contentful-paint")[0]?.startTime,
    code: performance
      .getEntriesByType("resource")
      .filter((entry) => /\/pkg\/.*\.(wasm|js)$/.test(new URL(entry.name).pathname))
      .map((entry) => entry.startTime),
  }));
  expect(painted, "the page was painted").toBeGreaterThan(0);
  expect(code.length, "the till loaded its code").toBeGreaterThan(1);
  expect(Math.min(...code), "the first of the app's code was fetched after the first paint").toBeGreaterThanOrEqual(painted!);
});

// Once painted, a page fetches its island's code together with the bundle:
// the app would ask for it only once the bundle has arrived and run, a
// second wait on a slow link. Each file still comes over the network once
// (the app's own request finds it in the cache, or joins the one under way).
// Today's payments is a lazy island with chunks of its own; the till's code
// is the bundle itself.
test("today's payments fetches its island's code together with the bundle, each file once", async ({ page }) => {
  const list = new PaymentsListPage(page);
  await list.goto(); // signs in first (which opens the till) if needed
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.clearBrowserCache");
  // A slow link: every answer takes 150 ms longer to come.
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 150,
    downloadThroughput: 8 * 1024 * 1024,
    uploadThroughput: 8 * 1024 * 1024,
  });
  const sent = new Map<string, { path: string; at: number }>();
  const arrived = new Map<string, number>();
  const cached = new Set<string>();
  cdp.on("Network.requestWillBeSent", (event) => {
    const path = new URL(event.request.url).pathname;
    if (/^(\/kiosk-bundle)?\/pkg\//.test(path)) sent.set(event.requestId, { path, at: event.timestamp });
  });
  cdp.on("Network.loadingFinished", (event) => arrived.set(event.requestId, event.timestamp));
  cdp.on("Network.requestServedFromCache", (event) => cached.add(event.requestId));
  cdp.on("Network.responseReceived", (event) => {
    if (event.response.fromDiskCache) cached.add(event.requestId);
  });
  await list.goto(); // which waits for the list to hydrate

  const overNetwork = [...sent].filter(([id]) => !cached.has(id)).map(([, request]) => request.path);
  expect(overNetwork.filter((path) => path.includes("split_todays_payments_loader_")), "the list's own chunk").toHaveLength(1);
  expect(overNetwork.length, `no file came twice: ${overNetwork.join(", ")}`).toBe(new Set(overNetwork).size);
  expect(overNetwork.filter((path) => path.startsWith("/kiosk-bundle/")), "none of the kiosk's code").toEqual([]);
  const [bundleId] = [...sent].find(([, request]) => /^\/pkg\/kassa[^/]*\.wasm$/.test(request.path)) ?? [];
  const bundleArrived = arrived.get(bundleId!);
  expect(bundleArrived, "the bundle's wasm arrived").toBeDefined();
  // When each of the list's chunks was first asked for (the app asks again).
  const firstAsked = new Map<string, number>();
  for (const { path, at } of sent.values()) {
    if (/^\/pkg\/(chunk_|split_)[^/]*\.wasm$/.test(path)) firstAsked.set(path, Math.min(at, firstAsked.get(path) ?? at));
  }
  expect(firstAsked.size, "the list's chunks").toBeGreaterThan(1);
  for (const [path, at] of firstAsked) expect(at, `${path} asked for before the bundle arrived`).toBeLessThan(bundleArrived!);
});

// The kiosk screen is a bundle of its own: a self-checkout screen loads none
// of the seller's code, words or chunks; only the site's stylesheet is shared.
test("a kiosk loads its own bundle and none of the seller's code", async ({ page }) => {
  const loaded: string[] = [];
  page.on("requestfinished", (request) => loaded.push(new URL(request.url()).pathname));
  await new KioskPage(page).enrol(); // which waits for the screen to hydrate
  const code = loaded.filter((path) => /\.(wasm|js)$/.test(path));
  expect(code.filter((path) => /^\/kiosk-bundle\/pkg\/kiosk\.[^/]+\.wasm$/.test(path)), "the kiosk's bundle").toHaveLength(1);
  expect(code.filter((path) => !path.startsWith("/kiosk-bundle/pkg/")), "the seller's code").toEqual([]);
  expect(loaded.filter((path) => path.endsWith(".css")), "the site's stylesheet").toEqual([
    expect.stringMatching(/^\/pkg\/kassa\.[^/]+\.css$|^\/pkg\/kassa\.css$/),
  ]);
});

// A browser that reports no paints (or a tab opened in the background,
// which is not painted until shown) still starts the app, a little later.
test("a browser that reports no paints still starts the app", async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(window, "PerformanceObserver", { value: undefined });
  });
  await new SellerPage(page).goto(); // which waits for the till to hydrate
});

// Each screen's live part is an island. The till's is the seller bundle's
// main module; today's payments has code of its own (`--split`), which only
// its page loads, when a link leads there.
test("each page loads its own view's code and no other's", async ({ page }) => {
  const views: string[] = [];
  page.on("request", (request) => {
    const view = /\/pkg\/split_([a-z_]+?)_loader_/.exec(request.url());
    if (view) views.push(view[1]);
  });
  const seller = new SellerPage(page);
  await seller.goto();
  expect(views, "the till's code is the bundle itself: no island's chunk").toEqual([]);

  views.length = 0;
  await page.getByRole("link", { name: "Today's payments" }).click();
  await expect(page.getByRole("heading", { name: "Today's payments" })).toBeVisible();
  // Asked for by the start script and again by the bundle (from the cache).
  expect([...new Set(views)]).toEqual(["todays_payments"]);
});
