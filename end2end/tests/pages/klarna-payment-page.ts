import { expect, type Locator, type Page } from "@playwright/test";

/** Klarna's payment page (the simulator's) at `redirect_url`. */
export class KlarnaPaymentPage {
  readonly payButton: Locator;

  constructor(readonly page: Page) {
    this.payButton = page.getByRole("button", { name: /^Pay / });
  }

  async expectOpen(): Promise<void> {
    await expect(this.page.getByRole("heading", { name: "Pay with Klarna" })).toBeVisible();
  }

  async pay(): Promise<void> {
    await this.payButton.click();
  }

  async decline(): Promise<void> {
    await this.page.getByRole("button", { name: "Simulate a decline" }).click();
  }

  async fail(): Promise<void> {
    await this.page.getByRole("button", { name: "Simulate an error" }).click();
  }

  goBackButton(): Locator {
    return this.page.getByRole("button", { name: "Go back to the store" });
  }

  cancelLink(): Locator {
    return this.page.getByRole("link", { name: "Cancel payment" });
  }

  async goBack(): Promise<void> {
    await this.goBackButton().click();
  }

  /** Cancel, and confirm it as Klarna asks. */
  async cancel(): Promise<void> {
    await this.cancelLink().click();
    await this.page.getByRole("button", { name: "Yes, cancel the payment" }).click();
  }
}
