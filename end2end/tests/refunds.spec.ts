import type { Browser, BrowserContext, Locator, Page } from "@playwright/test";
import { expect, test } from "./support/test";
import { SellerPage } from "./pages/seller-page";
import { PaymentsListPage } from "./pages/payments-list-page";
import { ShopperPhone } from "./pages/shopper-phone";
import { LanguagePicker } from "./pages/language-picker";
import { KlarnaSimulator } from "./pages/klarna-simulator";
import { RefundPanel, sv } from "./pages/refund-panel";
import { horizontalOverflow, smallTargets } from "./support/layout";
import { expectAccessible } from "./support/accessibility";

/** Sells two of an item at a random price below 500 kr and has the shopper pay; answers the price. */
async function twoPaidItems(seller: SellerPage, browser: Browser, item: string) {
  const price = 100 + Math.floor(Math.random() * 399);
  await seller.goto();
  await seller.enterSale(item, String(price), "2");
  await seller.start();
  const phone = await ShopperPhone.open(browser, await seller.paymentLink());
  await phone.pay();
  await expect(seller.status).toHaveText("Paid");
  await phone.close();
  return price;
}

const kr = (amount: number) => `${amount},00\u00a0kr`;

/** Two of `item` paid, then the payments list in Swedish with the payment's refund panel open. */
async function refundPanelInSwedish(
  page: Page,
  context: BrowserContext,
  browser: Browser,
  item: string,
): Promise<{ price: number; row: Locator; refund: RefundPanel }> {
  const price = await twoPaidItems(new SellerPage(page), browser, item);
  const list = new PaymentsListPage(await context.newPage());
  await list.goto();
  await new LanguagePicker(list.page).choose("Svenska");
  const row = list.row(new RegExp(`· ${kr(2 * price)} · Betald`)).first();
  const refund = new RefundPanel(row);
  await refund.open();
  return { price, row, refund };
}

test("an associate refunds a return on the tablet in Swedish, live, and a double tap refunds once", async ({
  page,
  context,
  browser,
  request,
}) => {
  const { price, row, refund } = await refundPanelInSwedish(page, context, browser, "Tröja");
  await expect(refund.left).toHaveText(`Kvar att återbetala: ${kr(2 * price)} av ${kr(2 * price)}`);

  // One of the two items comes back.
  await refund.chooseItems("Tröja", "3");
  // Touch-sized on the tablet, nothing wider than the screen, and no axe violations.
  expect(await smallTargets(row.page())).toEqual([]);
  expect(await horizontalOverflow(row.page())).toBeLessThanOrEqual(0);
  await expectAccessible(row.page());
  await refund.goOn();
  await expect(row.getByText("högst 2 av varan kan lämnas tillbaka")).toBeVisible();
  await refund.chooseItems("Tröja", "1");
  await expect(row.getByText("högst 2 av varan kan lämnas tillbaka")).toBeHidden();
  await expect(row.getByText(`Återbetalning för valda varor: ${kr(price)}`)).toBeVisible();
  await refund.giveReference("R-17");
  await refund.goOn();
  await expect(row.getByText(`Återbetala ${kr(price)} till kunden?`, { exact: false })).toBeVisible();
  await refund.confirmButton(kr(price)).dblclick();
  await expect(refund.result).toHaveText(`Återbetalning på ${kr(price)}: återbetald`);
  await expect(refund.left).toHaveText(`Kvar att återbetala: ${kr(price)} av ${kr(2 * price)}`);
  await expect(refund.refunds).toHaveCount(1);
  await expect(refund.refunds.first()).toContainText("1 × Tröja");
  await expect(row).toContainText(`återbetalt ${kr(price)}`);

  // The rest as an amount: more than is left is refused before anything is asked.
  await refund.chooseAmount(String(price + 1));
  await refund.goOn();
  await expect(row.getByText("ange ett belopp över noll och högst det som återstår att återbetala")).toBeVisible();
  await refund.chooseAmount(String(price));
  await refund.goOn();
  await refund.confirmButton(kr(price)).click();
  await expect(row.getByText(sv.allRefunded)).toBeVisible();
  await expect(refund.refunds).toHaveCount(2);

  // Klarna refunded exactly twice: the item (as an order line) and the rest.
  const orders = await new KlarnaSimulator(request).orders();
  const order = orders.find((o) => o.refunds.length > 0 && o.refunds[0].reference === "R-17");
  expect(order?.refunds.map((r) => r.amount)).toEqual([price * 100, price * 100]);
});

test("an older payment is found by its amount, and its refund is offered there", async ({
  page,
  context,
  browser,
}) => {
  const price = await twoPaidItems(new SellerPage(page), browser, "Mössa");
  const list = new PaymentsListPage(await context.newPage());
  await list.goto();
  const search = list.page.getByRole("search");
  await search.getByLabel("Klarna reference or amount").fill(`${2 * price},00`);
  await search.getByRole("button", { name: "Find" }).click();
  const found = list.page.getByRole("list", { name: "Found payments" });
  const row = found.getByRole("listitem").filter({ hasText: new RegExp(`· ${kr(2 * price)} · Paid`) }).first();
  await expect(row).toBeVisible();
  await expect(row.getByRole("button", { name: "Refund…" })).toBeVisible();

  await search.getByLabel("Klarna reference or amount").fill("NO-SUCH-REFERENCE");
  await search.getByRole("button", { name: "Find" }).click();
  await expect(list.page.getByRole("status").filter({ hasText: "No payment of this store matches." })).toBeVisible();
});

test("a refund Klarna refuses says why in Swedish and leaves the amount to refund", async ({
  page,
  context,
  browser,
  request,
}) => {
  const { price, row, refund } = await refundPanelInSwedish(page, context, browser, "Halsduk");
  const klarna = new KlarnaSimulator(request);
  await klarna.setFaults({ endpoints: { refund: { status: 400, fail_next: 1 } } });
  try {
    await refund.goOn();
    await refund.confirmButton(kr(2 * price)).click();
    await expect(refund.result).toHaveText(`Återbetalning på ${kr(2 * price)}: nekad`);
    await expect(row.getByRole("alert").first()).toHaveText(
      "Klarna avvisade återbetalningen (BAD_VALUE). Inget återbetalades; kontrollera ordern i Klarnas handlarportal.",
    );
    await expect(refund.left).toHaveText(`Kvar att återbetala: ${kr(2 * price)} av ${kr(2 * price)}`);
  } finally {
    await klarna.resetFaults();
  }
});
