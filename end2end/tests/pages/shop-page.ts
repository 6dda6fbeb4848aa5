import { expect, type Locator, type Page, type Request } from "@playwright/test";

/** The demo web shop at /shop, in the shopper's own browser. */
export class ShopPage {
  readonly payButton: Locator;
  readonly total: Locator;
  readonly problem: Locator;

  constructor(readonly page: Page, private readonly base = "") {
    this.payButton = page.getByRole("button", { name: "Pay with Klarna" });
    this.total = page.getByText(/^Total /);
    this.problem = page.getByRole("alert");
  }

  async goto(): Promise<void> {
    await this.page.goto(`${this.base}/shop`);
    // Enabled once the page has hydrated.
    await expect(this.payButton).toBeEnabled();
  }

  quantity(item: string): Locator {
    return this.page.getByLabel(item, { exact: true });
  }

  /**
   * Presses Pay with Klarna and waits for Klarna's payment page. Returns the
   * attempt key the browser sent, so tests can forge return URLs with it.
   */
  async payWithKlarna(): Promise<{ attemptKey: string; sessionId: string }> {
    const started: Promise<Request> = this.page.waitForRequest((r) => r.url().includes("start_shop_payment"));
    await this.payButton.click();
    const request = await started;
    await this.page.waitForURL(/\/klarna-sim\/pay\/[^/]+$/);
    const attemptKey = new URLSearchParams(request.postData() ?? "").get("attempt_key") ?? "";
    const sessionId = new URL(this.page.url()).pathname.split("/").pop() ?? "";
    expect(attemptKey).not.toBe("");
    return { attemptKey, sessionId };
  }
}
