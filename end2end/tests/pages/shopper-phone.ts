import { expect, type Browser, type BrowserContext, type Locator, type Page } from "@playwright/test";

/** The shopper's own phone, opening the payment link Klarna sent. */
export class ShopperPhone {
  private constructor(readonly context: BrowserContext, readonly page: Page) {}

  static async open(browser: Browser, link: string): Promise<ShopperPhone> {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const page = await context.newPage();
    await page.goto(link);
    return new ShopperPhone(context, page);
  }

  payButton(): Locator {
    return this.page.getByRole("button", { name: /^Pay / });
  }

  async pay(): Promise<void> {
    await this.payButton().click();
    await expect(this.page.getByRole("heading", { name: "Payment complete" })).toBeVisible();
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
