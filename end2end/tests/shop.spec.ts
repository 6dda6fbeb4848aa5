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
    await expect(shop.total).toHaveText("Total 328,00\u00a0kr");
    await shop.quantity("Pocket guide").fill("2");
    await shop.updateTotalButton.click();
    await expect(shop.total).toHaveText("Total 486,00\u00a0kr");
    await expect(shop.quantity("Pocket guide")).toHaveValue("2");
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

  test("the shop never starts two payments for one form and cart: a double click, a retry", async ({
    page,
    request,
  }) => {
    const api = new KassaApi(request);
    const before = (await api.payments()).length;
    const shop = new ShopPage(page);
    await shop.goto();
    const posts: string[] = [];
    page.on("request", (r) => {
      if (r.method() === "POST" && r.url().endsWith("/shop")) posts.push(r.postData() ?? "");
    });
    // A plain form posts at each click: every post of this form and cart is the same attempt.
    await shop.payButton.dblclick();
    await page.waitForURL(/\/klarna-sim\/pay\//);
    const sessionId = new URL(page.url()).pathname.split("/").pop()!;
    expect(posts.length).toBeGreaterThan(0);
    // Kassa hears of the opened page by callback or poll, a moment later.
    await expect.poll(async () => (await api.paymentForSession(sessionId)).status).toBe("in_progress");
    expect((await api.payments()).length - before, "one payment for the cart").toBe(1);

    // The answer lost and the form posted again: the same payment page.
    const fields = Object.fromEntries(new URLSearchParams(posts[0]));
    const again = await page.request.post("/shop", { form: fields, maxRedirects: 0 });
    expect(again.status()).toBe(303);
    expect(again.headers()["location"]).toMatch(new RegExp(`/klarna-sim/pay/${sessionId}$`));
    expect((await api.payments()).length - before).toBe(1);

    // The same form with a changed cart is a new attempt.
    const changed = await page.request.post("/shop", { form: { ...fields, "quantities[1]": "3" }, maxRedirects: 0 });
    expect(changed.status()).toBe(303);
    expect(changed.headers()["location"]).not.toContain(sessionId);
    expect((await api.payments()).length - before).toBe(2);
  });

  test("a refused cart comes back as typed, each bad quantity named, and nothing starts", async ({ page, request }) => {
    const api = new KassaApi(request);
    const before = (await api.payments()).length;
    const shop = new ShopPage(page);
    await shop.goto();
    await shop.quantity("Kassa T-shirt").fill("21");
    await shop.quantity("Coffee mug").fill("-1");
    await shop.payButton.click();
    await expect(page.getByText("enter 0 to 20")).toHaveCount(2);
    await expect(shop.quantity("Kassa T-shirt")).toHaveValue("21");
    await expect(shop.quantity("Kassa T-shirt")).toHaveAttribute("aria-invalid", "true");
    await expect(shop.quantity("Pocket guide")).not.toHaveAttribute("aria-invalid", "true");

    for (const item of ["Kassa T-shirt", "Coffee mug", "Pocket guide"]) await shop.quantity(item).fill("0");
    await shop.payButton.click();
    await expect(shop.problem).toHaveText("the cart is empty; add at least one item");
    expect((await api.payments()).length).toBe(before);

    // A form the server did not make is refused by name, and a fresh one is given to go on with.
    const forged = await request.post("/shop", {
      form: { form_id: "<b>x</b>", "quantities[0]": "1", "quantities[1]": "0", "quantities[2]": "0" },
      headers: { Origin: new URL(page.url()).origin },
    });
    expect(forged.status()).toBe(422);
    const html = await forged.text();
    expect(html).toContain("was not the shop");
    expect(html).not.toContain("<b>x</b>");
  });

  test("the whole web checkout works with scripts off and Kassa's pages ask for no code", async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const code: string[] = [];
    page.on("request", (r) => {
      if (/\/pkg\/.*\.(wasm|js)$/.test(new URL(r.url()).pathname)) code.push(r.url());
    });
    try {
      const shop = new ShopPage(page);
      await shop.goto();
      await shop.quantity("Pocket guide").fill("1");
      await shop.updateTotalButton.click();
      await expect(shop.total).toHaveText("Total 407,00\u00a0kr");
      await shop.payButton.click();
      await page.waitForURL(/\/klarna-sim\/pay\//);
      await new KlarnaPaymentPage(page).pay();
      // Back from Klarna: the result page reloads itself until the order is placed.
      const result = new CheckoutResultPage(page);
      await expect(result.heading).toHaveText("Thank you for your order");
      await expect(result.receiptValue("Amount")).toHaveText("407,00\u00a0kr");
      expect(code).toEqual([]);
    } finally {
      await context.close();
    }
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
