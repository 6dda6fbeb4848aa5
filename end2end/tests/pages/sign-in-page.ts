import { expect, type Page } from "@playwright/test";

/** /seller/sign-in. The default config's associate is demo / kassa-demo. */
export class SignInPage {
  constructor(readonly page: Page, readonly base = "") {}

  async goto(): Promise<void> {
    await this.page.goto(`${this.base}/seller/sign-in`);
  }

  /** Signs in; `store` is the store's name (the first store when not given). */
  async signIn(name = "demo", password = "kassa-demo", store?: string): Promise<void> {
    const button = this.page.getByRole("button", { name: "Sign in" });
    await expect(button).toBeEnabled();
    if (store) await this.page.getByRole("combobox", { name: "Store" }).selectOption({ label: store });
    await this.page.getByLabel("Name").fill(name);
    await this.page.getByLabel("Password").fill(password);
    await button.click();
  }
}
