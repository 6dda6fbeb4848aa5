import { expect, test } from "./support/test";
import { KassaApi } from "./pages/kassa-api";
import { SellerPage } from "./pages/seller-page";
import { holdBackCode } from "./support/slow-code";

// On slow store Wi-Fi the till is on screen (server-rendered) seconds before
// its code has loaded. What the associate types in that time must still be
// there, and be what gets charged, once the page has hydrated.
test("what is typed before the till has loaded its code is kept and charged", async ({ page, request }) => {
  const seller = new SellerPage(page);
  await seller.goto();
  const api = new KassaApi(request);
  const before = new Set((await api.payments()).map((p) => p.id));

  const arrive = await holdBackCode(page);
  await page.reload();
  await expect(seller.startButton).toBeDisabled();
  await seller.enterSale("Kettle", "249", "2", "12 %");

  arrive();
  await expect(seller.startButton).toBeEnabled();
  await expect(seller.item).toHaveValue("Kettle");
  await expect(seller.quantity).toHaveValue("2");
  await expect(seller.unitPrice).toHaveValue("249");
  await expect(seller.taxRate).toHaveValue("1200");
  await expect(seller.total).toContainText("498,00");

  await seller.start();
  await expect(seller.status).toHaveText("Waiting for the shopper to open the link");
  const started = (await api.payments()).filter((p) => !before.has(p.id));
  expect(started.map((p) => [p.order_amount, p.order_tax_amount]), "one payment of 2 × 249,00 kr at 12 %").toEqual([
    [49800, 5336],
  ]);
  await api.cancelOpenPayments();
});
