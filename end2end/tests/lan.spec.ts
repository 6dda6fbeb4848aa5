import { expect, test } from "./support/test";
import { SellerPage } from "./pages/seller-page";

// Many stores reach an in-house Kassa over plain http by a LAN name. Such a
// page is not a secure context (127.0.0.1 and localhost are), so browser
// features kept for secure contexts (crypto.randomUUID) are missing there.
test("the till takes a payment on plain http under a LAN name", async ({ page, context, baseURL }) => {
  const lan = new URL(baseURL!);
  lan.hostname = "kassa.test"; // mapped to 127.0.0.1 by the browser's launch arguments
  const base = lan.origin;
  await context.addCookies([{ name: "kassa_lang", value: "en", url: base }]);
  const seller = new SellerPage(page, base);
  await seller.goto();
  expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
  await seller.enterSale("Umbrella", "249");
  await seller.start();
  await expect(seller.status).toHaveText("Waiting for the shopper to open the link");
  await expect(seller.distributionModule.getByRole("img", { name: "QR code for the payment link" })).toBeVisible();
  await seller.cancel();
});
