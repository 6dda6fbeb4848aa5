import { expect, type FrameLocator, type Locator, type Page } from "@playwright/test";

/** The associate's till at /seller. */
export class SellerPage {
  readonly item: Locator;
  readonly quantity: Locator;
  readonly unitPrice: Locator;
  readonly taxRate: Locator;
  readonly total: Locator;
  readonly startButton: Locator;
  readonly status: Locator;
  readonly problem: Locator;
  readonly newSaleButton: Locator;
  readonly distributionModule: FrameLocator;
  readonly distributionModuleFrame: Locator;
  readonly receipt: Locator;
  readonly cancelButton: Locator;
  readonly confirmCancelButton: Locator;
  readonly startAgainButton: Locator;

  constructor(readonly page: Page) {
    this.item = page.getByLabel("Item");
    this.quantity = page.getByLabel("Quantity");
    this.unitPrice = page.getByLabel(/^Unit price/);
    this.taxRate = page.getByLabel("Tax rate");
    this.total = page.getByText(/^Total /);
    this.startButton = page.getByRole("button", { name: "Start payment" });
    this.status = page.getByRole("status");
    this.problem = page.getByRole("alert");
    this.newSaleButton = page.getByRole("button", { name: "New sale" });
    this.distributionModuleFrame = page.getByTitle("Klarna Distribution Module");
    this.distributionModule = page.frameLocator('iframe[title="Klarna Distribution Module"]');
    this.receipt = page.locator("dl.receipt");
    this.cancelButton = page.getByRole("button", { name: "Cancel payment" });
    this.confirmCancelButton = page.getByRole("button", { name: "Yes, cancel payment" });
    this.startAgainButton = page.getByRole("button", { name: "Start again" });
  }

  async goto(): Promise<void> {
    await this.page.goto("/seller");
    // The button is enabled once the page has hydrated.
    await expect(this.startButton).toBeEnabled();
  }

  async enterSale(item: string, unitPrice: string, quantity = "1", taxRate = "25 %"): Promise<void> {
    await this.item.fill(item);
    await this.quantity.fill(quantity);
    await this.unitPrice.fill(unitPrice);
    await this.taxRate.selectOption({ label: taxRate });
  }

  async start(): Promise<void> {
    await this.startButton.click();
  }

  /** The payment link the Distribution Module offers the shopper. */
  async paymentLink(): Promise<string> {
    const link = this.distributionModule.getByRole("link");
    await expect(link).toBeVisible();
    const href = await link.getAttribute("href");
    expect(href).toBeTruthy();
    return href!;
  }

  async cancel(): Promise<void> {
    await this.cancelButton.click();
    await this.confirmCancelButton.click();
  }

  receiptValue(term: string): Locator {
    return this.receipt.locator(`dt:text-is("${term}") + dd`);
  }
}
