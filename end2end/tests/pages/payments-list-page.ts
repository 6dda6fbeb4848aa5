import { expect, type Locator, type Page } from "@playwright/test";
import { SignInPage } from "./sign-in-page";

/** Today's payments at /seller/payments (of the suite's server, or of the Kassa at `base`). */
export class PaymentsListPage {
  constructor(readonly page: Page, readonly base = "") {}

  async goto(): Promise<void> {
    await this.page.goto(`${this.base}/seller/payments`);
    if (new URL(this.page.url()).pathname === "/seller/sign-in") {
      await new SignInPage(this.page, this.base).signIn();
      await this.page.waitForURL("**/seller");
      await this.page.goto(`${this.base}/seller/payments`);
    }
    await expect(this.page.getByRole("heading", { name: "Today's payments" })).toBeVisible();
    // Wait for hydration: the live stream connects from the browser.
    await this.page.waitForLoadState("networkidle").catch(() => undefined);
  }

  row(summary: RegExp): Locator {
    return this.page.getByRole("listitem").filter({ hasText: summary });
  }
}
