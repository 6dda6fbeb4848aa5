import { expect, type Locator, type Page } from "@playwright/test";

/** The seller view's language picker; its label is in the language it shows. */
export class LanguagePicker {
  readonly select: Locator;

  constructor(page: Page) {
    this.select = page.getByRole("combobox", { name: /^(Language|Språk|Sprache)$/ });
  }

  /** Chooses a language by its own name ("Svenska", "Deutsch", "English"). */
  async choose(name: "English" | "Svenska" | "Deutsch"): Promise<void> {
    await this.select.selectOption({ label: name });
    await expect(this.select.locator("option:checked")).toHaveText(name);
  }
}
