import type { Page } from "@playwright/test";

/**
 * Holds back the page's wasm, as slow store Wi-Fi does: the page is painted
 * from the server's HTML while its code is still on the way. Call the
 * returned function to let the code arrive.
 */
export async function holdBackCode(page: Page): Promise<() => void> {
  let arrive!: () => void;
  const codeArrives = new Promise<void>((resolve) => (arrive = resolve));
  await page.route("**/pkg/*.wasm", async (route) => {
    await codeArrives;
    await route.continue();
  });
  return arrive;
}
