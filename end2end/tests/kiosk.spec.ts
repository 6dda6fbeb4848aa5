import type { Page } from "@playwright/test";
import { expect, test } from "./support/test";
import { KassaProcess } from "./pages/kassa-process";
import { KlarnaPaymentPage } from "./pages/klarna-payment-page";
import { KlarnaSimulator } from "./pages/klarna-simulator";
import { KIOSK_VIEWPORTS, KioskPage, SelfCheckoutSystem } from "./pages/kiosk-page";
import { ShopperPhone } from "./pages/shopper-phone";
import { expectAccessible } from "./support/accessibility";
import { holdBackCode } from "./support/slow-code";

const BASKET = [
  { name: "Rye bread", quantity: 1, unit_price: 4590, tax_rate: 1200 },
  { name: "Blue cheese", quantity: 2, unit_price: 6250, tax_rate: 1200 },
];

/** Everything of the shopper that must be gone after a reset. */
async function expectNoTraceOf(page: Page, traces: string[]): Promise<void> {
  const html = await page.content();
  for (const trace of traces) expect(html, `the page still holds ${trace}`).not.toContain(trace);
  await expect(page.locator("iframe")).toHaveCount(0);
  const stored = await page.evaluate(() => sessionStorage.length + localStorage.length);
  expect(stored, "browser storage is empty").toBe(0);
}

for (const [orientation, viewport] of Object.entries(KIOSK_VIEWPORTS)) {
  test.describe(`self-checkout kiosk, ${orientation} ${viewport.width}x${viewport.height}`, () => {
    test.use({ viewport, hasTouch: true });

    test.beforeEach(async ({ request }) => {
      await new SelfCheckoutSystem(request).clear("kiosk-1");
    });

    test("the shopper pays on their own phone and the kiosk forgets them", async ({ page, browser, request }) => {
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(error.message));
      const system = new SelfCheckoutSystem(request);
      const kiosk = new KioskPage(page);
      await kiosk.enrol();
      await kiosk.expectStartScreen();
      await expectAccessible(page);

      await system.putCart("kiosk-1", BASKET);
      // No reload: the basket arrives over the kiosk's live stream.
      await expect(kiosk.heading).toHaveText("Your basket");
      await expect(kiosk.basket).toContainText("2 × Blue cheese");
      await expect(kiosk.total).toHaveText("Total 170.90\u00a0SEK");

      // A double tap starts one payment.
      await kiosk.payButton.dblclick();
      await expect(kiosk.status).toContainText("Scan the code with your phone");
      await expect(kiosk.distributionModule.getByRole("heading", { name: "Scan to pay with Klarna" })).toBeVisible();
      await expect(kiosk.distributionModule.getByRole("img", { name: "QR code for the payment link" })).toBeVisible();
      await expectAccessible(page);
      const first = await system.state("kiosk-1");
      expect(first.payment.distribution_module_url).toContain("profile_id=consumer&view_id=consumer");

      let link: string;
      if (orientation === "portrait") {
        // The phone scans the QR code: the link the consumer view shows.
        link = await kiosk.paymentLink();
        // Tapping the link on the kiosk itself opens nothing: no way out.
        const opened: Page[] = [];
        page.context().on("page", (other) => opened.push(other));
        await kiosk.distributionModule.getByRole("link").click();
        await page.waitForTimeout(500);
        expect(opened).toEqual([]);
        await expect(page).toHaveURL(/\/kiosk$/);
      } else {
        // The shopper types their number; Klarna texts them the link.
        await kiosk.distributionModule.getByLabel("Phone number").fill("0701740615");
        await kiosk.distributionModule.getByRole("button", { name: "Text me the link" }).click();
        await expect(kiosk.distributionModule.getByRole("status")).toContainText("Payment link sent");
        const outbox = await (await request.get("/klarna-sim/_sim/outbox")).json();
        const sms = outbox.filter((m: { to: string }) => m.to === "0701740615").pop();
        expect(sms, "an SMS to the typed number").toBeTruthy();
        link = sms.link;
      }
      const phone = await ShopperPhone.open(browser, link);
      await expect(kiosk.status).toContainText("Finish paying on your phone");
      await phone.pay();

      await expect(kiosk.heading).toHaveText("Paid, thank you");
      await expect(kiosk.receiptValue("Amount")).toHaveText("170.90\u00a0SEK");
      const reference = (await kiosk.receiptValue("Reference").textContent())!;
      expect(reference).toMatch(/^[A-Z0-9]{8}$/);
      await expect(kiosk.distributionModuleFrame).toHaveCount(0);
      // The self-checkout system hears it too.
      const paid = await system.state("kiosk-1");
      expect(paid.payment.status).toBe("completed");
      expect(paid.payment.id).toBe(first.payment.id);

      // A few seconds later the next shopper sees nothing of this one.
      await expect(kiosk.heading).toHaveText("Welcome", { timeout: 15_000 });
      await expectNoTraceOf(page, ["Blue cheese", "170.90", reference, first.payment.id]);
      const after = await system.state("kiosk-1");
      expect(after.payment).toBeNull();
      expect(after.cart).toBeNull();
      expect(after.last_paid.id).toBe(first.payment.id);
      await phone.close();
      expect(pageErrors).toEqual([]);
    });
  });
}

test.describe("self-checkout kiosk, portrait", () => {
  test.use({ viewport: KIOSK_VIEWPORTS.portrait, hasTouch: true });

  test.beforeEach(async ({ request }) => {
    await new SelfCheckoutSystem(request).clear("kiosk-1");
  });

  test("a declined payment can be tried again with a fresh link", async ({ page, browser, request }) => {
    const system = new SelfCheckoutSystem(request);
    const kiosk = new KioskPage(page);
    await kiosk.enrol();
    await system.putCart("kiosk-1", BASKET);
    await kiosk.payButton.click();
    const firstLink = await kiosk.paymentLink();
    const firstId = (await system.state("kiosk-1")).payment.id;

    const phone = await ShopperPhone.open(browser, firstLink);
    await new KlarnaPaymentPage(phone.page).decline();
    await expect(kiosk.heading).toHaveText("Pay on your phone");
    await expect(kiosk.status).toContainText("Payment declined");
    await kiosk.askStaffButton.click();
    await expect(page.getByText("a member of staff will help you")).toBeVisible();

    await kiosk.tryAgainButton.click();
    await expect(kiosk.status).toContainText("Scan the code with your phone");
    const secondLink = await kiosk.paymentLink();
    expect(secondLink).not.toBe(firstLink);
    expect((await system.payment(firstId)).status).toBe("disabled");

    await phone.page.goto(secondLink);
    await phone.pay();
    await expect(kiosk.heading).toHaveText("Paid, thank you");
    await phone.close();
  });

  test("when Klarna cannot be reached the shopper is told what to do, in their language", async ({
    page,
    request,
  }) => {
    const system = new SelfCheckoutSystem(request);
    const simulator = new KlarnaSimulator(request);
    const kiosk = new KioskPage(page);
    await kiosk.enrol();
    await system.putCart("kiosk-1", BASKET);
    await kiosk.language("Svenska").click();
    await simulator.setFaults({ endpoints: { kp_create: { error_rate: 1.0 } } });
    try {
      await page.getByRole("button", { name: "Betala med Klarna" }).click();
      // Not the associate's wording ("Klarna cannot be reached…"), and not English.
      await expect(kiosk.problem).toHaveText("Något gick fel. Försök igen.");
    } finally {
      await simulator.resetFaults();
    }
  });

  test("a tap before the kiosk's code has loaded is not lost", async ({ page, request }) => {
    const system = new SelfCheckoutSystem(request);
    const kiosk = new KioskPage(page);
    await kiosk.enrol();
    // A kiosk restarting over slow store Wi-Fi: the screen is painted, its
    // code still on the way. Its buttons are forms, so a tap posts anyway.
    const arrive = await holdBackCode(page);
    await page.reload();
    await expect(page.locator("main.kiosk")).toHaveAttribute("data-live", "false");
    await kiosk.demoBasketButton.click();
    await expect.poll(async () => (await system.state("kiosk-1")).cart?.lines.length).toBe(3);
    await expect(page).toHaveURL(/\/kiosk\??$/);

    arrive();
    await kiosk.waitUntilLive();
    await expect(kiosk.basket).toContainText("Coffee 500 g");
    await expect(kiosk.problem).toBeHidden();
  });

  test("a tap whose answer is lost shows what it did, not an error", async ({ page, request }) => {
    const system = new SelfCheckoutSystem(request);
    const kiosk = new KioskPage(page);
    await kiosk.enrol();
    await system.putCart("kiosk-1", BASKET);
    await expect(kiosk.basket).toContainText("2 × Blue cheese");
    // Kassa starts the payment, but its answer never reaches the kiosk.
    await page.route("**/kiosk/fn/**", async (route) => {
      await route.fetch();
      await route.abort();
    });
    await kiosk.payButton.click();
    await expect(kiosk.distributionModuleFrame).toBeVisible();
    await expect(kiosk.status).toContainText("Scan the code with your phone");
    // Give a late error its chance to show; none may.
    await page.waitForTimeout(500);
    await expect(kiosk.problem).toBeHidden();
    expect((await system.state("kiosk-1")).payment.status).toBe("waiting");

    // With no answer and nothing changed, the shopper is told to try again.
    await page.unroute("**/kiosk/fn/**");
    await page.route("**/kiosk/fn/**", (route) => route.abort());
    await kiosk.cancelButton.click();
    await expect(kiosk.problem).toHaveText("Something went wrong. Try again.");
    await page.unroute("**/kiosk/fn/**");
    await kiosk.cancelButton.click();
    await kiosk.expectStartScreen();
    await expect(kiosk.problem).toBeHidden();
  });

  test("language buttons switch the words, and Cancel disables the payment", async ({ page, request }) => {
    const system = new SelfCheckoutSystem(request);
    const kiosk = new KioskPage(page);
    await kiosk.enrol();
    await kiosk.language("Svenska").click();
    await expect(kiosk.heading).toHaveText("Välkommen");
    await expect(kiosk.language("Svenska")).toHaveAttribute("aria-pressed", "true");
    await kiosk.language("Deutsch").click();
    await expect(kiosk.heading).toHaveText("Willkommen");
    await system.putCart("kiosk-1", BASKET);
    await expect(kiosk.basket).toContainText("2 × Blue cheese");
    // A reload mid-basket (a crashed browser restarting): the basket comes
    // back over the stream, never baked into the page's HTML.
    await page.reload();
    await kiosk.waitUntilLive();
    await expect(kiosk.basket).toContainText("2 × Blue cheese");
    await kiosk.language("Deutsch").click();
    await page.getByRole("button", { name: "Mit Klarna bezahlen" }).click();
    await expect(kiosk.distributionModuleFrame).toBeVisible();
    const id = (await system.state("kiosk-1")).payment.id;
    await page.getByRole("button", { name: "Abbrechen" }).click();
    // The next shopper starts in the default language.
    await kiosk.expectStartScreen();
    // The screen clears first; disabling at Klarna follows within moments.
    await expect.poll(async () => (await system.payment(id)).status).toBe("disabled");
    await expectNoTraceOf(page, ["Blue cheese", id]);
  });

  test("a kiosk sees only its own page: other kiosks' payments and seller routes are 403", async ({
    browser,
    request,
  }) => {
    // Not enrolled, or a wrong key: no kiosk page.
    expect((await request.get("/kiosk")).status()).toBe(403);
    expect((await request.get("/kiosk/events")).status()).toBe(403);
    expect((await request.get("/kiosk/kiosk-1?key=wrong-key", { maxRedirects: 0 })).status()).toBe(403);

    // Kiosk 2 has a payment going.
    const system = new SelfCheckoutSystem(request);
    await system.clear("kiosk-2");
    const other = await browser.newContext({ viewport: KIOSK_VIEWPORTS.portrait });
    const otherKiosk = new KioskPage(await other.newPage());
    await otherKiosk.enrol("kiosk-2", "kiosk-dev-key-2");
    await system.putCart("kiosk-2", BASKET);
    await otherKiosk.payButton.click();
    await expect(otherKiosk.distributionModuleFrame).toBeVisible();
    const otherId = (await system.state("kiosk-2")).payment.id;

    // Kiosk 1's browser (its cookie) reaches none of it.
    const mine = await browser.newContext({ viewport: KIOSK_VIEWPORTS.portrait });
    const kiosk = new KioskPage(await mine.newPage());
    await kiosk.enrol();
    const asKiosk = kiosk.page.request;
    for (const path of [
      `/seller/payments/${otherId}/events`,
      `/api/v1/payments/${otherId}`,
      `/api/v1/kiosks/kiosk-2`,
      `/seller`,
      `/seller/payments`,
      `/shop`,
    ]) {
      const response = await asKiosk.get(path, { maxRedirects: 0 });
      expect(response.status(), path).toBe(403);
      expect(await response.text(), path).not.toContain(otherId);
    }
    await system.clear("kiosk-2");
    expect((await system.payment(otherId)).status).toBe("disabled");
    await mine.close();
    await other.close();
  });
});

test.describe("self-checkout kiosk left alone", () => {
  test.use({ viewport: KIOSK_VIEWPORTS.landscape, hasTouch: true });
  let kassa: KassaProcess;

  test.beforeAll(async () => {
    kassa = await KassaProcess.start({ KASSA__KIOSKS__0__IDLE_SECONDS: "8" });
  });

  test.afterAll(async () => {
    await kassa?.stop();
  });

  test("after idling it resets, disables the unpaid payment and leaves no trace", async ({ page, browser, request }) => {
    const system = new SelfCheckoutSystem(request, kassa.url);
    const kiosk = new KioskPage(page, kassa.url);
    await kiosk.enrol();
    await kiosk.demoBasketButton.click();
    await expect(kiosk.basket).toContainText("Coffee 500 g");
    await kiosk.payButton.click();
    await expect(kiosk.distributionModuleFrame).toBeVisible();
    const link = await kiosk.paymentLink();
    const id = (await system.state("kiosk-1")).payment.id;
    // The shopper starts typing their number, and something stores data.
    await kiosk.distributionModule.getByLabel("Phone number").fill("0709998877");
    await page.evaluate(() => sessionStorage.setItem("shopper", "0709998877"));

    await expect(kiosk.idleDialog).toBeVisible({ timeout: 10_000 });
    await expect(kiosk.idleDialog).toContainText(/clears in \d s/);
    await kiosk.stillHereButton.click();
    await expect(kiosk.idleDialog).toBeHidden();
    await expect(kiosk.heading).toHaveText("Pay on your phone");

    await expect(kiosk.idleDialog).toBeVisible({ timeout: 10_000 });
    await expect(kiosk.heading).toHaveText("Welcome", { timeout: 10_000 });
    await expectNoTraceOf(page, ["Coffee 500 g", "0709998877", id]);
    // The screen clears first; disabling at Klarna follows within moments.
    await expect.poll(async () => (await system.payment(id)).status).toBe("disabled");

    // The link on the shopper's phone no longer takes a payment.
    const phone = await ShopperPhone.open(browser, link);
    await expect(phone.payButton()).toHaveCount(0);
    await phone.close();
  });
});
