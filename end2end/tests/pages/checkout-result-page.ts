import { type Locator, type Page } from "@playwright/test";

/** Kassa's result pages, where Klarna sends the web shopper back. */
export class CheckoutResultPage {
  readonly heading: Locator;
  readonly receipt: Locator;
  readonly returnToPayment: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole("heading", { level: 1 });
    this.receipt = page.locator("dl.receipt");
    this.returnToPayment = page.getByRole("link", { name: "Return to payment" });
  }

  link(name: string): Locator {
    return this.page.getByRole("link", { name });
  }

  receiptValue(term: string): Locator {
    return this.receipt.locator(`dt:text-is("${term}") + dd`);
  }
}
