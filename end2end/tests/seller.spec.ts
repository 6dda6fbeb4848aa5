import type { Route } from "@playwright/test";
import { expect, test } from "./support/test";
import { KassaApi } from "./pages/kassa-api";
import { KlarnaSimulator } from "./pages/klarna-simulator";
import { SellerPage } from "./pages/seller-page";
import { ShopperPhone } from "./pages/shopper-phone";

test.describe("seller view on a tablet", () => {
  test("an associate takes a payment on the shopper's phone", async ({ page, browser }) => {
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });

    const seller = new SellerPage(page);
    await seller.goto();
    await seller.enterSale("Running shoes", "1299", "1", "25 %");
    await expect(seller.total).toHaveText("Total 1\u00a0299,00\u00a0kr (tax 259,80\u00a0kr)");
    await seller.start();

    await expect(seller.status).toHaveText("Waiting for the shopper to open the link");
    await expect(seller.distributionModuleFrame).toBeVisible();
    await expect(seller.distributionModule.getByRole("img", { name: "QR code for the payment link" })).toBeVisible();
    const link = await seller.paymentLink();

    const phone = await ShopperPhone.open(browser, link);
    await expect(seller.status).toHaveText("The shopper is paying");
    await expect(phone.payButton()).toHaveText("Pay 1299.00 SEK");
    await phone.pay();

    // No reload: the seller's page learns it from the server.
    await expect(seller.status).toHaveText("Paid");
    await expect(seller.receiptValue("Amount")).toHaveText("1\u00a0299,00\u00a0kr");
    await expect(seller.receiptValue("Klarna reference")).toHaveText(/^[A-Z0-9]{8}$/);
    await expect(seller.receiptValue("Order id")).toHaveText(/^[0-9a-f-]{36}$/);
    await expect(seller.distributionModuleFrame).toBeHidden();

    // The paid cart stays locked until the associate starts the next sale.
    await expect(seller.unitPrice).toBeDisabled();
    await seller.newSaleButton.click();
    await expect(seller.status).toBeHidden();
    await expect(seller.startButton).toBeEnabled();
    await expect(seller.unitPrice).toHaveValue("");
    await phone.close();
    expect(pageErrors).toEqual([]);
  });

  test("a double tap on Start payment starts one payment, even while Klarna is slow", async ({ page, request }) => {
    const simulator = new KlarnaSimulator(request);
    const seller = new SellerPage(page);
    await seller.goto();
    // An amount no other test uses, to find this sale's payments.
    const minor = 100_000 + Math.floor(Math.random() * 800_000);
    await seller.enterSale("Lamp", `${Math.floor(minor / 100)},${String(minor % 100).padStart(2, "0")}`);
    await simulator.setFaults({ latency_ms: 1500 });
    try {
      await seller.startButton.dblclick();
      // A third tap while Klarna is still answering finds the button disabled.
      await expect(page.getByRole("button", { name: "Starting…" })).toBeDisabled();
      await expect(seller.status).toHaveText("Waiting for the shopper to open the link", { timeout: 20_000 });
    } finally {
      await simulator.resetFaults();
    }
    const mine = (await new KassaApi(request).payments()).filter((p) => p.order_amount === minor);
    expect(mine).toHaveLength(1);
    await seller.cancel();
    await expect(seller.status).toHaveText("Cancelled: the link no longer works");
  });

  test("a bad price is named beside its field and starts nothing", async ({ page }) => {
    const seller = new SellerPage(page);
    await seller.goto();
    await seller.enterSale("Socks", "12,345");
    await seller.start();
    await expect(page.getByText("enter a price such as 199.00")).toBeVisible();
    await expect(seller.unitPrice).toHaveAttribute("aria-invalid", "true");
    await expect(seller.status).toBeHidden();

    await seller.unitPrice.fill("49");
    await expect(seller.unitPrice).toHaveAttribute("aria-invalid", "false");
    await expect(seller.total).toHaveText("Total 49,00\u00a0kr (tax 9,80\u00a0kr)");
  });

  test("the till's first load leaves out the payment's code, which arrives while the cart is typed", async ({
    page,
  }) => {
    const fetched: string[] = [];
    page.on("request", (request) => fetched.push(new URL(request.url()).pathname));
    const seller = new SellerPage(page);
    await seller.goto();
    expect(fetched.filter((path) => path.includes("/split_till_sale"))).toEqual([]);
    // The till's own code is the bundle's main module: no chunk before an edit.
    expect(fetched.filter((path) => /^\/pkg\/kassa\.[^/]*\.wasm$/.test(path))).toHaveLength(1);
    expect(fetched.filter((path) => /^\/pkg\/(chunk_|split_)/.test(path))).toEqual([]);

    const saleCode = page.waitForRequest(/\/split_till_sale[^/]*\.wasm$/);
    await seller.unitPrice.fill("5");
    await saleCode;
    await seller.enterSale("Pen", "5");
    await seller.start();
    await expect(seller.status).toHaveText("Waiting for the shopper to open the link");
    await seller.cancel();
    await expect(seller.status).toHaveText("Cancelled: the link no longer works");
  });

  test("code that does not arrive over the store's network is an error the till shows, and the next tap loads it", async ({
    page,
  }) => {
    const seller = new SellerPage(page);
    await seller.goto();
    // Starting a payment: nothing is started, and Start payment tries again.
    // (The proxy's answer while the network behind it is down.)
    const refuse = (route: Route) => route.fulfill({ status: 503, body: "Service Unavailable" });
    await page.route(/\/split_till_sale[^/]*\.wasm$/, refuse);
    await seller.enterSale("Scarf", "199");
    await seller.start();
    await expect(seller.problem).toHaveText("Could not reach Kassa. Check the network and try again.");
    await expect(seller.startButton).toBeEnabled();
    await page.unroute(/\/split_till_sale[^/]*\.wasm$/);
    await seller.start();
    await expect(seller.status).toHaveText("Waiting for the shopper to open the link");
    await expect(seller.problem).toBeHidden();
    await seller.cancel();
    await expect(seller.status).toHaveText("Cancelled: the link no longer works");
  });

  test("the till is rendered on the server and loads the wasm bundle", async ({ page }) => {
    await new SellerPage(page).goto();
    const response = await page.request.get("/seller");
    expect(response.status()).toBe(200);
    const html = await response.text();
    expect(html).toContain("Start payment");
    expect(html).toMatch(/\/pkg\/kassa\.[\w-]+\.wasm/);
    // Only the till's island hydrates, from its props: the store's data is
    // in the page once, not a second time for a hydration of the whole page.
    expect(html).toMatch(/<leptos-island data-component="Till_\w+" data-props=/);
    expect(html.split("money_language")).toHaveLength(2);
    expect(html).not.toContain("__RESOLVED_RESOURCES[");
  });
});
