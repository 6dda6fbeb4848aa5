import { expect, test } from "./support/test";
import { KlarnaSimulator } from "./pages/klarna-simulator";
import { SellerPage } from "./pages/seller-page";
import { ShopperPhone } from "./pages/shopper-phone";

// The seller page learns every change by push (server-sent events); the
// server learns it from Klarna's callbacks or, when they are lost, by polling.
for (const callbacks of ["on", "off"] as const) {
  test(`the seller page turns Paid by push with callbacks ${callbacks}`, async ({ page, browser, request }) => {
    const simulator = new KlarnaSimulator(request);
    if (callbacks === "off") await simulator.setFaults({ callbacks: { drop_rate: 1.0 } });
    try {
      const seller = new SellerPage(page);
      await seller.goto();
      await seller.enterSale("Scarf", "349");
      await seller.start();
      await expect(seller.status).toHaveText("Waiting for the shopper to open the link");
      const phone = await ShopperPhone.open(browser, await seller.paymentLink());
      await expect(seller.status).toHaveText("The shopper is paying");
      await phone.pay();
      await expect(seller.status).toHaveText("Paid");
      await expect(seller.receiptValue("Amount")).toHaveText("349,00\u00a0kr");
      await phone.close();
    } finally {
      await simulator.resetFaults();
    }
  });
}

test("cancel withdraws the link: the shopper can no longer pay", async ({ page, browser }) => {
  const seller = new SellerPage(page);
  await seller.goto();
  await seller.enterSale("Umbrella", "199");
  await seller.start();
  const link = await seller.paymentLink();
  await seller.cancel();
  await expect(seller.status).toHaveText("Cancelled: the link no longer works");
  await expect(page.getByText("Cancelled by the store; the link was withdrawn.")).toBeVisible();
  await expect(seller.distributionModuleFrame).toBeHidden();

  const phone = await ShopperPhone.open(browser, link);
  await expect(phone.page.getByRole("heading", { name: "Link not valid" })).toBeVisible();
  await expect(phone.payButton()).toHaveCount(0);
  await phone.close();

  // The cart is kept so the associate can start again at once.
  await seller.startAgainButton.click();
  await expect(seller.unitPrice).toHaveValue("199");
  await expect(seller.startButton).toBeEnabled();
});
