import { expect, test } from "./support/test";
import { SellerPage } from "./pages/seller-page";

// What a store tablet downloads goes out compressed: the bundle precompressed
// (brotli or gzip, in the release build) or gzipped on the fly, pages and
// JSON gzipped; live streams never, or a status change would wait in a buffer.
test("the bundle and pages go out compressed; live streams do not", async ({ page, request }) => {
  const encoding = async (path: string, acceptEncoding = "br, gzip") =>
    (await request.get(path, { headers: { "Accept-Encoding": acceptEncoding } })).headers()["content-encoding"];
  expect(["br", "gzip"]).toContain(await encoding("/pkg/kassa.wasm"));
  expect(await encoding("/pkg/kassa.wasm", "gzip")).toBe("gzip");
  expect(["br", "gzip"]).toContain(await encoding("/pkg/kassa.js"));
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

// The bundle is split per view (`--split`): a page loads the shared bundle
// and its own view's code, never another view's, and a view reached by a
// link in the page loads its code then.
test("each page loads its own view's code and no other's", async ({ page }) => {
  const views: string[] = [];
  page.on("request", (request) => {
    const view = /\/pkg\/split___([a-z_]+?)_route_view_/.exec(request.url());
    if (view) views.push(view[1]);
  });
  const seller = new SellerPage(page);
  await seller.goto();
  expect(views).toContain("till");
  expect(views, "the till loads neither the kiosk's nor the shop's code").not.toContain("kiosk");
  expect(views).not.toContain("shop");

  views.length = 0;
  await page.getByRole("link", { name: "Today's payments" }).click();
  await expect(page.getByRole("heading", { name: "Today's payments" })).toBeVisible();
  expect(views).toEqual(["payments"]);
});
