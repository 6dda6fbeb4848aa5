import { expect, type FrameLocator, type Locator, type Page } from "@playwright/test";
import { SignInPage } from "./sign-in-page";

/** The associate's till at /seller (of the suite's server, or of the Kassa at `base`). */
export class SellerPage {
  readonly storeName: Locator;
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
  readonly addItemButton: Locator;
  readonly newLinkButton: Locator;
  readonly countdown: Locator;
  readonly connectionLost: Locator;
  readonly sendBySmsButton: Locator;
  readonly sendByEmailButton: Locator;

  constructor(readonly page: Page, readonly base = "") {
    this.storeName = page.getByRole("heading", { level: 1 });
    this.item = page.getByLabel("Item", { exact: true });
    this.quantity = page.getByLabel("Quantity", { exact: true });
    this.unitPrice = page.getByLabel(/^Unit price/);
    this.taxRate = page.getByRole("combobox", { name: "Tax rate", exact: true });
    this.total = page.getByText(/^Total /);
    this.startButton = page.getByRole("button", { name: "Start payment" });
    // The till's own status: a sent SMS or e-mail adds a status message of its own.
    this.status = page.getByRole("region", { name: "Payment" }).getByRole("status").first();
    this.problem = page.getByRole("alert");
    this.newSaleButton = page.getByRole("button", { name: "New sale" });
    this.distributionModuleFrame = page.getByTitle("Klarna Distribution Module");
    this.distributionModule = page.frameLocator('iframe[title="Klarna Distribution Module"]');
    this.receipt = page.locator("dl.receipt");
    this.cancelButton = page.getByRole("button", { name: "Cancel payment" });
    this.confirmCancelButton = page.getByRole("button", { name: "Yes, cancel payment" });
    this.startAgainButton = page.getByRole("button", { name: "Start again" });
    this.addItemButton = page.getByRole("button", { name: "Add item" });
    this.newLinkButton = page.getByRole("button", { name: "New link" });
    this.countdown = page.getByText(/^Link expires in \d+:\d\d/);
    this.connectionLost = page.getByRole("alert").filter({ hasText: "Connection to Kassa lost" });
    this.sendBySmsButton = page.getByRole("button", { name: "Send by SMS" });
    this.sendByEmailButton = page.getByRole("button", { name: "Send by e-mail" });
  }

  /** Opens the till, signing in as the demo associate when asked to. */
  async goto(): Promise<void> {
    await this.page.goto(`${this.base}/seller`);
    if (new URL(this.page.url()).pathname === "/seller/sign-in") {
      await new SignInPage(this.page, this.base).signIn();
      await this.page.waitForURL("**/seller");
    }
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

  /** Fields of item `n` (1-based) once the cart has several items. */
  line(n: number) {
    return {
      item: this.page.getByLabel(`Item (item ${n})`, { exact: true }),
      quantity: this.page.getByLabel(`Quantity (item ${n})`, { exact: true }),
      unitPrice: this.page.getByLabel(new RegExp(`^Unit price \\(item ${n}\\)`)),
      discount: this.page.getByLabel(new RegExp(`^Discount \\(item ${n}\\)`)),
    };
  }

  /** Opens one of the link fallbacks unless it is open already. */
  private async openFallback(toggle: Locator): Promise<void> {
    if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
  }

  async sendBySms(country: string, phone: string): Promise<void> {
    await this.openFallback(this.sendBySmsButton);
    await this.page.getByRole("combobox", { name: "Country" }).selectOption(country);
    await this.page.getByLabel("Phone number").fill(phone);
    await this.page.getByRole("button", { name: /^Send (text message|the text again)$/ }).click();
  }

  async sendByEmail(email: string): Promise<void> {
    await this.openFallback(this.sendByEmailButton);
    await this.page.getByLabel("E-mail address").fill(email);
    await this.page.getByRole("button", { name: /^Send (e-mail|the e-mail again)$/ }).click();
  }

  async cancel(): Promise<void> {
    await this.cancelButton.click();
    await this.confirmCancelButton.click();
  }

  receiptValue(term: string): Locator {
    return this.receipt.locator(`dt:text-is("${term}") + dd`);
  }
}
