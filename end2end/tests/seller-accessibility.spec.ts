import { expect, test } from "./support/test";
import { SellerPage } from "./pages/seller-page";
import { SignInPage } from "./pages/sign-in-page";
import { expectAccessible } from "./support/accessibility";

test("sign-in, till, payment and list have no serious accessibility violations", async ({ page }) => {
  await new SignInPage(page).goto();
  await expectAccessible(page);

  const seller = new SellerPage(page);
  await seller.goto();
  await expectAccessible(page);

  await seller.enterSale("Lamp", "249");
  await seller.start();
  await expect(seller.distributionModuleFrame).toBeVisible();
  await page.getByRole("button", { name: "Send by SMS" }).click();
  await expectAccessible(page);
  await seller.cancel();
  await expect(seller.status).toHaveText("Cancelled: the link no longer works");
  await expectAccessible(page);

  await page.goto("/seller/payments");
  await expect(page.getByRole("heading", { name: "Today's payments" })).toBeVisible();
  await expectAccessible(page);
});
