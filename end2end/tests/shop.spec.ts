import { expect, test } from "./support/test";
import { CheckoutResultPage } from "./pages/checkout-result-page";
import { KassaApi } from "./pages/kassa-api";
import { KassaProcess, startExpectingRefusal } from "./pages/kassa-process";
import { KlarnaPaymentPage } from "./pages/klarna-payment-page";
import { actAsShopper } from "./pages/klarna-simulator";
import { ShopPage } from "./pages/shop-page";

// Web checkout: the shopper's own browser goes from the shop to Klarna's
// payment page and back to Kassa's result pages. The suite's server runs with
// the shipped config: leave_button = "back", place_order_mode CAPTURE_ORDER.

test.describe("web checkout", () => {
  test("success: paid at Klarna, verified by Kassa, with what Klarna requires shown", async ({ page }) => {
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    const shop = new ShopPage(page);
    await shop.goto();
    await shop.quantity("Pocket guide").fill("2");
    await expect(shop.total).toHaveText("Total 486,00\u00a0kr");
    await shop.payWithKlarna();

    const klarna = new KlarnaPaymentPage(page);
    await expect(klarna.payButton).toHaveText("Pay 486.00 SEK");
    await klarna.pay();

    const result = new CheckoutResultPage(page);
    await expect(page).toHaveURL(/\/shop\/payments\/[0-9a-f-]{36}\/success$/);
    await expect(result.heading).toHaveText("Thank you for your order");
    await expect(result.receiptValue("Amount")).toHaveText("486,00\u00a0kr");
    await expect(result.receiptValue("Order id")).toHaveText(/^[0-9a-f-]{36}$/);
    await expect(result.receiptValue("Klarna reference")).toHaveText(/^[A-Z0-9]{8}$/);
    await expect(result.receiptValue("Time")).toHaveText(/^\d\d:\d\d$/);
    expect(page.url()).not.toContain("token");
    expect(pageErrors).toEqual([]);
  });

  test("failure: Klarna declines, the page says so and offers another way", async ({ page }) => {
    const shop = new ShopPage(page);
    await shop.goto();
    await shop.payWithKlarna();
    await new KlarnaPaymentPage(page).decline();
    const result = new CheckoutResultPage(page);
    await expect(result.heading).toHaveText("Klarna declined the payment");
    await expect(result.receipt).toBeHidden();
    await result.link("Try another way").click();
    await expect(shop.payButton).toBeEnabled();
  });

  test("error: a technical error is not worded as a decline", async ({ page }) => {
    const shop = new ShopPage(page);
    await shop.goto();
    await shop.payWithKlarna();
    await new KlarnaPaymentPage(page).fail();
    const result = new CheckoutResultPage(page);
    await expect(result.heading).toHaveText("A technical error interrupted the payment");
    await expect(page.getByText("not a decision about you")).toBeVisible();
    await expect(result.receipt).toBeHidden();
  });

  test("back: the payment stays open and Return to payment pays the same session", async ({ page, request }) => {
    const shop = new ShopPage(page);
    await shop.goto();
    const { sessionId } = await shop.payWithKlarna();
    const klarna = new KlarnaPaymentPage(page);
    await expect(klarna.cancelLink()).toBeHidden();
    await klarna.goBack();

    const result = new CheckoutResultPage(page);
    await expect(result.heading).toHaveText("You left the payment");
    await expect(result.link("Change cart")).toHaveAttribute("href", "/shop");
    expect((await new KassaApi(request).paymentForSession(sessionId)).status).toBe("back");

    await result.returnToPayment.click();
    await expect(page).toHaveURL(new RegExp(`/klarna-sim/pay/${sessionId}$`));
    await klarna.pay();
    await expect(result.heading).toHaveText("Thank you for your order");
  });

  test("a forged success URL shows no success", async ({ page, request }) => {
    const shop = new ShopPage(page);
    await shop.goto();
    const { attemptKey, sessionId } = await shop.payWithKlarna();
    const result = new CheckoutResultPage(page);

    // A session id that is not this payment's: nothing is found.
    const wrong = await page.goto(`/checkout/success?store=stockholm&attempt=${attemptKey}&sid=not-the-session`);
    expect(wrong?.status()).toBe(404);
    await expect(result.heading).toHaveText("Payment not found");

    // The right session, never paid: Kassa asked Klarna and it is not paid.
    await page.goto(`/checkout/success?store=stockholm&attempt=${attemptKey}&sid=${sessionId}&oid=forged`);
    await expect(result.heading).toHaveText("Payment not confirmed");
    await expect(result.receipt).toBeHidden();
    const payment = await new KassaApi(request).paymentForSession(sessionId);
    expect(payment.status).toBe("in_progress");

    // Straight to the result page with the payment's id: still the server's word.
    await page.goto(`/shop/payments/${payment.id}/success`);
    await expect(result.heading).toHaveText("Payment not confirmed");
    await page.goto(`/shop/payments/00000000-0000-4000-8000-000000000000/success`);
    await expect(result.heading).toHaveText("Payment not found");
  });

  test("window closed before the redirect: the payment still ends completed with the order", async ({
    page,
    request,
  }) => {
    const shop = new ShopPage(page);
    await shop.goto();
    const { sessionId } = await shop.payWithKlarna();
    // The shopper pays in another way (the app) and never comes back.
    await page.close();
    await actAsShopper(request, sessionId, "authorize");
    const api = new KassaApi(request);
    await expect
      .poll(async () => (await api.paymentForSession(sessionId)).status, { timeout: 20_000 })
      .toBe("completed");
    const payment = await api.paymentForSession(sessionId);
    expect(payment.order_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(payment.klarna_reference).toMatch(/^[A-Z0-9]{8}$/);
  });

  test("the shop never starts two payments on a double click", async ({ page, request }) => {
    const shop = new ShopPage(page);
    await shop.goto();
    const starts: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("start_shop_payment")) starts.push(r.url());
    });
    await shop.payButton.dblclick();
    await page.waitForURL(/\/klarna-sim\/pay\//);
    expect(starts.length).toBe(1);
    const sessionId = new URL(page.url()).pathname.split("/").pop()!;
    // Kassa hears of the opened page by callback or poll, a moment later.
    const api = new KassaApi(request);
    await expect.poll(async () => (await api.paymentForSession(sessionId)).status).toBe("in_progress");
  });
});

test.describe("web checkout with leave_button = cancel", () => {
  test("cancel: on the web Klarna keeps the payment open, as back", async ({ page, request }) => {
    const kassa = await KassaProcess.start({ KASSA__WEB_CHECKOUT__LEAVE_BUTTON: "cancel" });
    try {
      const shop = new ShopPage(page, kassa.url);
      await shop.goto();
      const { sessionId } = await shop.payWithKlarna();
      const klarna = new KlarnaPaymentPage(page);
      await expect(klarna.goBackButton()).toBeHidden();
      await klarna.cancel();

      const result = new CheckoutResultPage(page);
      await expect(page).toHaveURL(/\/shop\/payments\/[0-9a-f-]{36}\/cancel$/);
      await expect(result.heading).toHaveText("You cancelled the payment");
      const payment = await new KassaApi(request, kassa.url).paymentForSession(sessionId);
      expect(payment.status).toBe("back");

      await result.returnToPayment.click();
      await klarna.pay();
      await expect(result.heading).toHaveText("Thank you for your order");
    } finally {
      await kassa.stop();
    }
  });
});

test("config with both back and cancel refuses to start, naming the key", () => {
  const { status, stderr } = startExpectingRefusal({ KASSA__WEB_CHECKOUT__LEAVE_BUTTON: "back,cancel" });
  expect(status).not.toBe(0);
  expect(stderr).toContain("web_checkout.leave_button");
  expect(stderr).toContain("cannot both be set");
});
