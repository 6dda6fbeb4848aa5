import { expect, test } from "./support/test";
import { ConfigFile, KassaProcess } from "./pages/kassa-process";
import { PaymentsListPage } from "./pages/payments-list-page";
import { SellerPage } from "./pages/seller-page";
import { ShopperPhone } from "./pages/shopper-phone";

// Kassa re-reads its config file on SIGHUP and puts it in force if it is
// valid, without a restart and without touching open payments; otherwise it
// keeps the old one (server/src/main.rs, PaymentService::replace_config).
// Each test runs a Kassa of its own on a copy of the shipped kassa.toml.
test.describe("config file changed while Kassa runs", () => {
  let config: ConfigFile;
  let kassa: KassaProcess;

  test.beforeEach(async () => {
    config = ConfigFile.copyOfShipped();
    kassa = await KassaProcess.start({}, { configFile: config });
  });

  test.afterEach(async () => {
    await kassa?.stop();
  });

  test("a new store name and link channels apply on SIGHUP; the open payment can still be paid", async ({
    page,
    context,
    browser,
  }) => {
    const till = new SellerPage(page, kassa.url);
    await till.goto();
    await expect(till.storeName).toHaveText("Kassa Demo Store");
    await till.enterSale("Teapot", "425");
    await till.start();
    await expect(till.status).toHaveText("Waiting for the shopper to open the link");
    await expect(till.sendBySmsButton).toBeVisible();
    const link = await till.paymentLink();

    // Quotes, angle brackets and an ampersand: the name reaches the till's
    // island as a prop serialized into an HTML attribute, and must come out
    // as typed, with the island hydrated (it takes a payment below).
    config.replace('name = "Kassa Demo Store"', 'name = "Kassa \\"Lund\\" <Öst> & Co"');
    // The first store's seller view (the only one whose profile is "seller"): no more SMS.
    const sellerView = 'profile_id = "seller"\nview_id = "seller"\n';
    config.replace(sellerView, `${sellerView}channels = ["qr", "email"]\n`);
    const reload = await kassa.reloadConfig();
    expect(reload.applied, reload.line).toBe(true);

    // A till opened now shows the new config.
    const next = new SellerPage(await context.newPage(), kassa.url);
    await next.goto();
    await expect(next.storeName).toHaveText('Kassa "Lund" <Öst> & Co');
    // The payment started before the change is still open.
    const list = new PaymentsListPage(await context.newPage(), kassa.url);
    await list.goto();
    const row = (status: string) => list.row(new RegExp(`· 425,00\u00a0kr · ${status}`));
    await expect(row("Waiting for the shopper to open the link")).toBeVisible();

    // The shopper pays the old link; the first till and the list follow it to Paid.
    const phone = await ShopperPhone.open(browser, link);
    await phone.pay();
    await expect(till.status).toHaveText("Paid");
    await expect(till.receiptValue("Amount")).toHaveText("425,00\u00a0kr");
    await expect(row("Paid")).toBeVisible();
    await phone.close();

    // A payment started now offers only the channels the new config names.
    await next.enterSale("Cups", "95");
    await next.start();
    await expect(next.status).toHaveText("Waiting for the shopper to open the link");
    await expect(next.sendByEmailButton).toBeVisible();
    await expect(next.sendBySmsButton).toHaveCount(0);
  });

  test("an invalid edit is refused whole on SIGHUP; Kassa keeps running with the old config", async ({ page }) => {
    const till = new SellerPage(page, kassa.url);
    await till.goto();
    await expect(till.storeName).toHaveText("Kassa Demo Store");

    // A valid name beside an invalid timeout: neither takes effect.
    config.replace('name = "Kassa Demo Store"', 'name = "Kassa Malmö"');
    config.replace("payment_timeout_minutes = 15", "payment_timeout_minutes = 0");
    const refused = await kassa.reloadConfig();
    expect(refused.applied, refused.line).toBe(false);
    expect(refused.line).toContain("stores[0].payment_timeout_minutes");
    expect(kassa.running()).toBe(true);
    await page.reload();
    await expect(till.storeName).toHaveText("Kassa Demo Store");
    await expect(till.startButton).toBeEnabled();

    // Once the file is fixed, the next SIGHUP puts it in force.
    config.replace("payment_timeout_minutes = 0", "payment_timeout_minutes = 15");
    const applied = await kassa.reloadConfig();
    expect(applied.applied, applied.line).toBe(true);
    await page.reload();
    await expect(till.storeName).toHaveText("Kassa Malmö");
  });
});
