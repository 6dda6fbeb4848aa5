import { expect, test } from "./support/test";
import { KlarnaSimulator } from "./pages/klarna-simulator";
import { PaymentsListPage } from "./pages/payments-list-page";
import { SellerPage } from "./pages/seller-page";
import { ShopperPhone } from "./pages/shopper-phone";

test("a cart of several items with a discount totals by Klarna's rules", async ({ page }) => {
  const seller = new SellerPage(page);
  await seller.goto();
  await seller.enterSale("Shoes", "499,50", "2");
  await seller.addItemButton.click();
  const socks = seller.line(2);
  await socks.item.fill("Socks");
  await socks.quantity.fill("3");
  await socks.unitPrice.fill("49");
  await socks.discount.fill("20");
  await expect(seller.total).toHaveText("Total 1\u00a0126,00\u00a0kr (tax 225,20\u00a0kr)");
  await page.getByRole("button", { name: "Remove item 2" }).click();
  await expect(seller.total).toHaveText("Total 999,00\u00a0kr (tax 199,80\u00a0kr)");
});

test("the link goes out by QR code, SMS and e-mail; bad input is named", async ({ page, request }) => {
  const simulator = new KlarnaSimulator(request);
  const seller = new SellerPage(page);
  await seller.goto();
  await seller.enterSale("Coat", "1999");
  await seller.start();
  await expect(seller.status).toHaveText("Waiting for the shopper to open the link");
  await expect(seller.countdown).toBeVisible();
  const link = await seller.paymentLink();

  await page.getByRole("button", { name: "Show QR code" }).click();
  const qr = page.getByRole("img", { name: "QR code to pay with Klarna" });
  await expect(qr).toBeVisible();
  const png = await request.get((await qr.getAttribute("src"))!);
  expect(png.headers()["content-type"]).toBe("image/png");

  await seller.sendBySms("SE", "12");
  await expect(page.getByText("a phone number has 6 to 15 digits")).toBeVisible();
  await seller.sendBySms("SE", "070-123 45 67");
  await expect(page.getByText("Klarna is sending the link to 070-123 45 67.")).toBeVisible();

  await seller.sendByEmail("anna@example");
  await expect(page.getByText("enter an e-mail address such as name@example.com")).toBeVisible();
  await seller.sendByEmail("anna@example.se");
  await expect(page.getByText("Klarna is sending the link to anna@example.se.")).toBeVisible();

  const outbox = await simulator.outbox();
  const sms = outbox.filter((m) => m.method === "sms" && m.link === link);
  const mail = outbox.filter((m) => m.method === "email" && m.link === link);
  expect(sms.map((m) => m.to)).toContain("0701234567");
  expect(mail.map((m) => m.to)).toContain("anna@example.se");
  await seller.cancel();
  await expect(seller.status).toHaveText("Cancelled: the link no longer works");
});

test("a new link disables the old one; decline, then pay, ends Paid", async ({ page, browser }) => {
  const seller = new SellerPage(page);
  await seller.goto();
  await seller.enterSale("Bag", "650");
  await seller.start();
  const oldLink = await seller.paymentLink();
  await seller.newLinkButton.click();
  await expect.poll(() => seller.paymentLink()).not.toBe(oldLink);
  const newLink = await seller.paymentLink();

  const stale = await ShopperPhone.open(browser, oldLink);
  await expect(stale.page.getByRole("heading", { name: "Link not valid" })).toBeVisible();
  await stale.close();

  const phone = await ShopperPhone.open(browser, newLink);
  await phone.page.getByRole("button", { name: "Simulate a decline" }).click();
  await expect(seller.status).toHaveText("Declined: the shopper may try again");
  await phone.page.getByRole("link", { name: "Try again" }).click();
  await phone.pay();
  await expect(seller.status).toHaveText("Paid");
  await phone.close();
});

test("today's payments update live and can be cancelled from the list", async ({ page, context }) => {
  const list = new PaymentsListPage(await context.newPage());
  await list.goto();
  const seller = new SellerPage(page);
  await seller.goto();
  // A price of its own, so that rows from other tests never match.
  const price = String(700 + Math.floor(Math.random() * 299));
  await seller.enterSale("Listed lamp", price);
  await seller.start();
  await expect(seller.status).toHaveText("Waiting for the shopper to open the link");

  const row = list.row(new RegExp(`· ${price},00\u00a0kr · Waiting for the shopper`));
  await expect(row).toBeVisible();
  await row.getByRole("button", { name: "Cancel payment" }).click();
  await row.getByRole("button", { name: "Yes, cancel payment" }).click();
  await expect(list.row(new RegExp(`· ${price},00\u00a0kr · Cancelled: the link no longer works`)).first()).toBeVisible();
  // The till hears it too.
  await expect(seller.status).toHaveText("Cancelled: the link no longer works");
});

test("the list says a paid payment's money is captured", async ({ page, context, browser }) => {
  const list = new PaymentsListPage(await context.newPage());
  await list.goto();
  const seller = new SellerPage(page);
  await seller.goto();
  const price = String(700 + Math.floor(Math.random() * 299));
  await seller.enterSale("Captured cap", price);
  await seller.start();
  const phone = await ShopperPhone.open(browser, await seller.paymentLink());
  await phone.pay();
  await expect(seller.status).toHaveText("Paid");
  await phone.close();
  // The demo store's Klarna places and captures the order (CAPTURE_ORDER).
  const row = list.row(new RegExp(`· ${price},00\u00a0kr · Paid`)).first();
  await row.getByText(new RegExp(`${price},00`)).click();
  await expect(row.getByRole("definition").filter({ hasText: "Captured: the store gets paid" })).toBeVisible();
});
