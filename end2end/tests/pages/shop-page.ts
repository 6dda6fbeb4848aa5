import { expect, type Locator, type Page, type Request } from "@playwright/test";

/** The demo web shop's cart at /shop, in the shopper's own browser: a plain form the server answers. */
export class ShopPage {
  readonly payButton: Locator;
  readonly updateTotalButton: Locator;
  readonly total: Locator;
  readonly problem: Locator;

  constructor(readonly page: Page, private readonly base = "") {
    this.payButton = page.getByRole("button", { name: "Pay with Klarna" });
    this.updateTotalButton = page.getByRole("button", { name: "Update total" });
    this.total = page.getByText(/^Total /);
    this.problem = page.getByRole("alert");
  }

  async goto(): Promise<void> {
    await this.page.goto(`${this.base}/shop`);
    // Usable as soon as it arrives: nothing to wait for.
    await expect(this.payButton).toBeEnabled();
  }

  quantity(item: string): Locator {
    return this.page.getByLabel(item, { exact: true });
  }

  /**
   * Presses Pay with Klarna and waits for Klarna's payment page. Returns the
   * attempt key the server made of the posted form (its form id and the
   * quantities), so tests can forge return URLs with it.
   */
  async payWithKlarna(): Promise<{ attemptKey: string; sessionId: string }> {
    const posted: Promise<Request> = this.page.waitForRequest((r) => r.method() === "POST" && r.url().endsWith("/shop"));
    await this.payButton.click();
    const fields = new URLSearchParams((await posted).postData() ?? "");
    await this.page.waitForURL(/\/klarna-sim\/pay\/[^/]+$/);
    const quantities = [0, 1, 2].map((i) => fields.get(`quantities[${i}]`));
    const attemptKey = `shop-${fields.get("form_id")}-${quantities.join("-")}`;
    const sessionId = new URL(this.page.url()).pathname.split("/").pop() ?? "";
    expect(fields.get("form_id")).toMatch(/^[0-9a-f]{32}$/);
    return { attemptKey, sessionId };
  }
}
