import { expect, test } from "./support/test";
import { KassaProcess, SimulatorProcess } from "./pages/kassa-process";
import { SellerPage } from "./pages/seller-page";
import { ShopperPhone } from "./pages/shopper-phone";

// Kassa crashes (SIGKILL) while a till follows a payment. The till says its
// status may be out of date instead of showing a stale one silently; when
// Kassa is back on the same database it reconnects by itself, and the
// payment started before the crash is paid and shown Paid. Klarna (a
// simulator in a process of its own) keeps the session meanwhile, as Klarna
// would; the shopper even pays while Kassa is down.
test.describe("Kassa crashes while a till is watching", () => {
  let klarna: SimulatorProcess;
  let kassa: KassaProcess;

  test.beforeEach(async () => {
    klarna = await SimulatorProcess.start();
    kassa = await KassaProcess.start(klarna.kassaOverrides());
  });

  test.afterEach(async () => {
    await kassa?.stop();
    await klarna?.stop();
  });

  test("the till warns, reconnects by itself and the payment ends Paid", async ({ page, browser }) => {
    const seller = new SellerPage(page, kassa.url);
    await seller.goto();
    await seller.enterSale("Toaster", "389");
    await seller.start();
    await expect(seller.status).toHaveText("Waiting for the shopper to open the link");
    const link = await seller.paymentLink();
    await expect(seller.connectionLost).toBeHidden();

    await kassa.crash();
    await expect(seller.connectionLost).toBeVisible();
    await expect(seller.status).toHaveText("Waiting for the shopper to open the link");
    const phone = await ShopperPhone.open(browser, link);
    await phone.pay();

    kassa = await kassa.startAgain();
    await expect(seller.connectionLost).toBeHidden({ timeout: 20_000 });
    await expect(seller.status).toHaveText("Paid");
    await expect(seller.receiptValue("Amount")).toHaveText("389,00\u00a0kr");
    await phone.close();
  });
});
