import { expect, test } from "./support/test";
import { SellerPage } from "./pages/seller-page";
import { horizontalOverflow, smallTargets, spilledControls } from "./support/layout";

for (const viewport of [
  { width: 768, height: 1024 },
  { width: 1024, height: 768 },
]) {
  test(`the till fits a ${viewport.width}x${viewport.height} tablet with touch-sized controls`, async ({ page }) => {
    await page.setViewportSize(viewport);
    const seller = new SellerPage(page);
    await seller.goto();
    await seller.enterSale("Chair", "1499");
    await seller.addItemButton.click();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    expect(await smallTargets(page)).toEqual([]);
    expect(await spilledControls(page)).toEqual([]);
    await page.getByRole("button", { name: "Remove item 2" }).click();

    await seller.start();
    await expect(seller.distributionModuleFrame).toBeVisible();
    await page.getByRole("button", { name: "Send by SMS" }).click();
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    expect(await smallTargets(page)).toEqual([]);
    expect(await spilledControls(page)).toEqual([]);
    await seller.cancel();
    await expect(seller.status).toHaveText("Cancelled: the link no longer works");
  });
}

test("keyboard focus is visible on the till's controls", async ({ page }) => {
  const seller = new SellerPage(page);
  await seller.goto();
  await seller.item.focus();
  await page.keyboard.press("Tab");
  const outline = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const style = getComputedStyle(el);
    return { tag: el.tagName, outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  });
  expect(outline.tag).toBe("INPUT");
  expect(outline.outline).not.toBe("none");
  expect(outline.width).toBeGreaterThanOrEqual(2);
});
