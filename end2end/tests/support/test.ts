import { test as base, expect, type Page } from "@playwright/test";

export { expect };

/**
 * Playwright's `test`, failing any test in whose pages the app broke in the
 * browser: an uncaught error (a wasm panic), a hydration error, or anything
 * the Content Security Policy blocked. Such a page can still look right
 * while nothing on it works any more.
 */
export const test = base.extend<{ browserErrors: void }>({
  browserErrors: [
    async ({ context }, use) => {
      const errors: string[] = [];
      const watch = (page: Page) => {
        page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
        page.on("console", (message) => {
          const text = message.text();
          if (message.type() === "error" && /hydrat|panicked|Content Security Policy/i.test(text)) {
            errors.push(`${page.url()}: ${text.split("\n")[0]}`);
          }
        });
      };
      context.pages().forEach(watch);
      context.on("page", watch);
      await use();
      expect(errors, "errors in the browser").toEqual([]);
    },
    { auto: true },
  ],
});
