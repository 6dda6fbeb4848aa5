import { expect, test } from "./support/test";
import { KassaProcess, SimulatorProcess } from "./pages/kassa-process";
import { KioskPage, KIOSK_VIEWPORTS, SelfCheckoutSystem } from "./pages/kiosk-page";
import { ShopperPhone } from "./pages/shopper-phone";

// Kassa crashes (SIGKILL) while a shopper at a kiosk is about to pay. The
// kiosk says it is reconnecting; Kassa comes back on the same database and
// shows the same basket and payment, and the shopper who paid on their
// phone meanwhile is thanked, then the screen is the next shopper's.
test.describe("Kassa crashes while a shopper is at a kiosk", () => {
  let klarna: SimulatorProcess;
  let kassa: KassaProcess;

  test.beforeEach(async ({ page }) => {
    await page.setViewportSize(KIOSK_VIEWPORTS.portrait);
    klarna = await SimulatorProcess.start();
    kassa = await KassaProcess.start(klarna.kassaOverrides());
  });

  test.afterEach(async () => {
    await kassa?.stop();
    await klarna?.stop();
  });

  test("the kiosk keeps its basket and payment, and thanks the shopper who paid meanwhile", async ({
    page,
    browser,
    request,
  }) => {
    const kiosk = new KioskPage(page, kassa.url);
    const system = new SelfCheckoutSystem(request, kassa.url);
    await kiosk.enrol();
    await system.putCart("kiosk-1", [{ name: "Oat milk", quantity: 2, unit_price: 2495, tax_rate: 1200 }]);
    await expect(kiosk.basket).toContainText("2 × Oat milk");
    await kiosk.payButton.click();
    const link = await kiosk.paymentLink();

    await kassa.crash();
    kassa = await kassa.startAgain();
    // Back on the same database: the same basket and the same payment.
    const state = await new SelfCheckoutSystem(request, kassa.url).state("kiosk-1");
    expect(state.cart.lines[0].name).toBe("Oat milk");
    expect(state.payment.redirect_url).toBe(link);

    await kassa.crash();
    const phone = await ShopperPhone.open(browser, link);
    await phone.pay();
    kassa = await kassa.startAgain();
    await expect(kiosk.heading).toHaveText("Paid, thank you", { timeout: 20_000 });
    await phone.close();
    // reset_after_paid_seconds later, the next shopper's welcome.
    await expect(kiosk.heading).toHaveText("Welcome", { timeout: 20_000 });
    const after = await new SelfCheckoutSystem(request, kassa.url).state("kiosk-1");
    expect(after.last_paid.status).toBe("completed");
  });
});
