import { expect, type APIRequestContext, type FrameLocator, type Locator, type Page } from "@playwright/test";

export const KIOSK_VIEWPORTS = {
  portrait: { width: 1080, height: 1920 },
  landscape: { width: 1920, height: 1080 },
} as const;

/** The self-checkout kiosk's screen at /kiosk. */
export class KioskPage {
  readonly heading: Locator;
  readonly status: Locator;
  readonly problem: Locator;
  readonly demoBasketButton: Locator;
  readonly payButton: Locator;
  readonly cancelButton: Locator;
  readonly tryAgainButton: Locator;
  readonly askStaffButton: Locator;
  readonly idleDialog: Locator;
  readonly stillHereButton: Locator;
  readonly basket: Locator;
  readonly total: Locator;
  readonly distributionModuleFrame: Locator;
  readonly distributionModule: FrameLocator;
  readonly receipt: Locator;

  constructor(readonly page: Page, readonly base = "") {
    this.heading = page.getByRole("heading", { level: 1 });
    this.status = page.getByRole("status").first();
    this.problem = page.getByRole("alert");
    this.demoBasketButton = page.getByRole("button", { name: "Demo basket" });
    this.payButton = page.getByRole("button", { name: "Pay with Klarna" });
    this.cancelButton = page.getByRole("button", { name: "Cancel", exact: true });
    this.tryAgainButton = page.getByRole("button", { name: "Try again" });
    this.askStaffButton = page.getByRole("button", { name: "Ask staff for help" });
    this.idleDialog = page.getByRole("alertdialog", { name: "Are you still there?" });
    this.stillHereButton = page.getByRole("button", { name: "I'm still here" });
    this.basket = page.getByRole("list");
    this.total = page.getByText(/^Total /);
    this.distributionModuleFrame = page.getByTitle("Klarna Distribution Module");
    this.distributionModule = page.frameLocator('iframe[title="Klarna Distribution Module"]');
    this.receipt = page.locator("dl.receipt");
  }

  /** Enrols this browser as the kiosk (sets its cookie) and opens the kiosk page. */
  async enrol(kiosk = "kiosk-1", key = "kiosk-dev-key-1"): Promise<void> {
    await this.page.goto(`${this.base}/kiosk/${kiosk}?key=${encodeURIComponent(key)}`);
    await expect(this.page).toHaveURL(`${this.base}/kiosk`);
    await this.waitUntilLive();
  }

  /** Hydrated and following the server (the page marks itself). */
  async waitUntilLive(): Promise<void> {
    await expect(this.page.locator("main.kiosk")).toHaveAttribute("data-live", "true");
  }

  language(name: "English" | "Svenska" | "Deutsch"): Locator {
    return this.page.getByRole("button", { name });
  }

  /** The payment link the consumer view offers the shopper. */
  async paymentLink(): Promise<string> {
    const link = this.distributionModule.getByRole("link");
    await expect(link).toBeVisible();
    const href = await link.getAttribute("href");
    expect(href).toBeTruthy();
    return href!;
  }

  receiptValue(term: string): Locator {
    return this.receipt.locator(`dt:text-is("${term}") + dd`);
  }

  async expectStartScreen(): Promise<void> {
    await expect(this.heading).toHaveText("Welcome");
  }
}

/** The self-checkout system's side: Kassa's kiosk API with the store's dev key. */
export class SelfCheckoutSystem {
  private readonly headers = { Authorization: "Bearer kassa-dev-key" };

  constructor(private readonly request: APIRequestContext, private readonly base = "") {}

  async putCart(kiosk: string, lines: object[]): Promise<void> {
    const response = await this.request.put(`${this.base}/api/v1/kiosks/${kiosk}/cart`, {
      headers: this.headers,
      data: { lines },
    });
    expect(response.status(), await response.text()).toBe(200);
  }

  /** Forgets whatever the kiosk shows (as its Cancel does). */
  async clear(kiosk: string): Promise<void> {
    const response = await this.request.delete(`${this.base}/api/v1/kiosks/${kiosk}/cart`, { headers: this.headers });
    expect(response.ok(), await response.text()).toBeTruthy();
  }

  async state(kiosk: string): Promise<Record<string, any>> {
    const response = await this.request.get(`${this.base}/api/v1/kiosks/${kiosk}`, { headers: this.headers });
    expect(response.ok()).toBeTruthy();
    return response.json();
  }

  async payment(id: string): Promise<Record<string, any>> {
    const response = await this.request.get(`${this.base}/api/v1/payments/${id}`, { headers: this.headers });
    expect(response.ok()).toBeTruthy();
    return response.json();
  }
}
