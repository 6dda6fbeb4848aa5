import { expect, test } from "./support/test";
import { KlarnaSimulator } from "./pages/klarna-simulator";
import { SellerPage } from "./pages/seller-page";
import { ShopperPhone } from "./pages/shopper-phone";
import { SignInPage } from "./pages/sign-in-page";
import { horizontalOverflow, spilledControls } from "./support/layout";

// Telesales works at a desk: a desktop screen, mouse, no touch.
test.use({ viewport: { width: 1440, height: 900 }, hasTouch: false });

test("telesales on a desktop: SMS comes first and the shopper pays from the text", async ({ page, browser, request }) => {
  const simulator = new KlarnaSimulator(request);
  const seller = new SellerPage(page);
  await page.goto("/seller/sign-in");
  await new SignInPage(page).signIn("demo", "kassa-demo", "Kassa Telesales");
  await page.waitForURL("**/seller");
  await expect(page.getByRole("heading", { level: 1, name: "Kassa Telesales" })).toBeVisible();
  // The till takes input once its page has hydrated (the button says so).
  await expect(seller.startButton).toBeEnabled();

  await seller.enterSale("Headphones", "1290");
  await seller.start();
  await expect(seller.status).toHaveText("Waiting for the shopper to open the link");
  // The shopper is on the phone: the SMS form is open at once, above the
  // Distribution Module, and nothing offers a QR code.
  const phoneNumber = page.getByLabel("Phone number");
  await expect(phoneNumber).toBeVisible();
  await expect(seller.distributionModuleFrame).toBeVisible();
  const formTop = (await phoneNumber.boundingBox())!.y;
  const moduleTop = (await seller.distributionModuleFrame.boundingBox())!.y;
  expect(formTop).toBeLessThan(moduleTop);
  await expect(page.getByRole("button", { name: "Show QR code" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Send by e-mail" })).toBeVisible();
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  expect(await spilledControls(page)).toEqual([]);

  await seller.sendBySms("SE", "070-765 43 21");
  await expect(page.getByText("Klarna is sending the link to 070-765 43 21.")).toBeVisible();
  const texts = (await simulator.outbox()).filter((m) => m.method === "sms" && m.to === "0707654321");
  expect(texts.length).toBeGreaterThan(0);

  const phone = await ShopperPhone.open(browser, texts[texts.length - 1].link);
  await phone.pay();
  await expect(seller.status).toHaveText("Paid");
  await expect(seller.receiptValue("Amount")).toHaveText("1\u00a0290,00\u00a0kr");
  await phone.close();
});
