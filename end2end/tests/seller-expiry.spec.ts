import { expect, test } from "./support/test";
import { KassaApi } from "./pages/kassa-api";
import { KassaProcess } from "./pages/kassa-process";
import { KlarnaSimulator } from "./pages/klarna-simulator";
import { SellerPage } from "./pages/seller-page";
import { ShopperPhone } from "./pages/shopper-phone";

// Klarna ends a payment link when its HPP session's lifetime is over (the
// simulator models 47 h). Moving the simulator's clock past that ends the
// link at once; Kassa learns it by reading the session, which it does every
// few seconds while a till follows the payment, and must tell the associate.
// Kassa's own payment_timeout_minutes timer keeps real time (a minute at
// least), so it is not what ends the payment here.
//
// The Kassa is one of its own: the clock moves for everything its simulator
// serves, and no other test's links should expire with this one.
const PAST_THE_LINK_LIFETIME_SECONDS = 48 * 60 * 60;

test.describe("a link the shopper never pays", () => {
  let kassa: KassaProcess;

  test.beforeEach(async () => {
    kassa = await KassaProcess.start();
  });

  test.afterEach(async () => {
    await kassa?.stop();
  });

  test("expires: the till says so and offers Start again; the old link no longer pays", async ({
    page,
    browser,
    request,
  }) => {
    const seller = new SellerPage(page, kassa.url);
    await seller.goto();
    await seller.enterSale("Kettle", "549");
    await seller.start();
    await expect(seller.status).toHaveText("Waiting for the shopper to open the link");
    await expect(seller.countdown).toBeVisible();
    const link = await seller.paymentLink();

    await new KlarnaSimulator(request, kassa.url).advanceClock(PAST_THE_LINK_LIFETIME_SECONDS);

    // No reload: the till hears it from Kassa.
    await expect(seller.status).toHaveText("Expired: start again");
    await expect(page.getByText("Klarna no longer knows this payment link; it has expired.")).toBeVisible();
    await expect(seller.distributionModuleFrame).toBeHidden();
    await expect(seller.countdown).toBeHidden();
    await expect(seller.cancelButton).toBeHidden();
    const sessionId = new URL(link).pathname.split("/").pop()!;
    expect((await new KassaApi(request, kassa.url).paymentForSession(sessionId)).status).toBe("expired");

    const phone = await ShopperPhone.open(browser, link);
    await expect(phone.page.getByRole("heading", { name: "Link not valid" })).toBeVisible();
    await expect(phone.payButton()).toHaveCount(0);
    await phone.close();

    // Start again keeps the cart, and the new link is a live one.
    await seller.startAgainButton.click();
    await expect(seller.unitPrice).toHaveValue("549");
    await seller.start();
    await expect(seller.status).toHaveText("Waiting for the shopper to open the link");
    const fresh = await seller.paymentLink();
    expect(fresh).not.toBe(link);
    const again = await ShopperPhone.open(browser, fresh);
    await again.pay();
    await expect(seller.status).toHaveText("Paid");
    await again.close();
  });
});
