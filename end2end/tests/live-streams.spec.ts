import { expect, test } from "./support/test";
import { KassaApi } from "./pages/kassa-api";
import { KioskPage, SelfCheckoutSystem } from "./pages/kiosk-page";
import { PaymentsListPage } from "./pages/payments-list-page";
import { SellerPage } from "./pages/seller-page";

// A browser gives up on a live stream for good when the answer is not a
// stream (a proxy's 502 while Kassa restarts, a 401 once the session ended),
// and a screen that silently stops updating is the worst kind of wrong.
// Here a route answers the streams as such a proxy would; the screens must
// say they are reconnecting, keep trying, and catch up on what they missed.

const BAD_GATEWAY = { status: 502, contentType: "text/html", body: "<h1>502 Bad Gateway</h1>" };

test("the payments list says it lost the stream, keeps trying and catches up after", async ({ page, request }) => {
  await page.route("**/seller/events", (route) => route.fulfill(BAD_GATEWAY));
  const list = new PaymentsListPage(page);
  await list.goto();
  const lost = page.getByRole("alert").filter({ hasText: "Connection to Kassa lost" });
  await expect(lost).toBeVisible();

  // A payment started at a POS while the list cannot hear about it.
  const started = await new KassaApi(request).startPayment(`live-streams-${Date.now()}`, [
    { name: "Lamp", quantity: 1, unit_price: 45600, tax_rate: 2500 },
  ]);
  const row = page.getByRole("listitem").filter({ hasText: String(started.id) });
  await page.waitForTimeout(1500);
  await expect(row).toHaveCount(0);

  // The proxy is back: the list reconnects by itself and lists again.
  await page.unroute("**/seller/events");
  await expect(lost).toBeHidden({ timeout: 15_000 });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("456,00");
  await new KassaApi(request).cancelOpenPayments();
});

test("a till whose session ended elsewhere goes back to sign-in instead of going stale", async ({ page, context }) => {
  const seller = new SellerPage(page);
  await seller.goto();
  await page.route("**/seller/events", (route) => route.fulfill({ status: 401, body: "" }));
  const list = new PaymentsListPage(page);
  await list.goto();
  await expect(page.getByRole("alert").filter({ hasText: "Connection to Kassa lost" })).toBeVisible();
  // The session is still good: the screen stays and keeps trying.
  await page.waitForTimeout(2500);
  await expect(page).toHaveURL(/\/seller\/payments$/);

  // Signed out on another tab of the same tablet.
  const other = await context.newPage();
  await new SellerPage(other).goto();
  await other.getByRole("button", { name: /^Sign out/ }).click();
  await other.waitForURL("**/seller/sign-in");
  await other.close();

  await page.waitForURL("**/seller/sign-in", { timeout: 15_000 });
  await expect(page.getByRole("heading", { name: "Sign in to your store" })).toBeVisible();
});

test("the kiosk says it is reconnecting and shows the basket that came meanwhile", async ({ page, request }) => {
  const system = new SelfCheckoutSystem(request);
  await system.clear("kiosk-2");
  const kiosk = new KioskPage(page);
  await page.route("**/kiosk/events", (route) => route.fulfill(BAD_GATEWAY));
  await kiosk.enrol("kiosk-2", "kiosk-dev-key-2");
  const reconnecting = page.getByRole("alert").filter({ hasText: "Reconnecting" });
  await expect(reconnecting).toBeVisible();

  await system.putCart("kiosk-2", [{ name: "Oat milk", quantity: 2, unit_price: 1990, tax_rate: 1200 }]);
  await page.waitForTimeout(1500);
  await expect(kiosk.heading).toHaveText("Welcome");

  await page.unroute("**/kiosk/events");
  await expect(reconnecting).toBeHidden({ timeout: 15_000 });
  await expect(kiosk.heading).toHaveText("Your basket");
  await expect(kiosk.basket).toContainText("2 × Oat milk");
  await system.clear("kiosk-2");
});
