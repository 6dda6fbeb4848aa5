import type { Page } from "@playwright/test";
import { expect, test } from "./support/test";
import { KassaApi } from "./pages/kassa-api";
import { LanguagePicker } from "./pages/language-picker";
import { SellerPage } from "./pages/seller-page";

/** What each language calls the controls and messages these tests read. */
const words = {
  English: {
    signInHeading: "Sign in to your store",
    name: "Name",
    password: "Password",
    signIn: "Sign in",
    wrongPassword: "The store, name or password is wrong.",
    item: "Item",
    unitPrice: /^Unit price/,
    start: "Start payment",
    priceError: "enter a price such as 199.00",
    total: /^Total 120,00\skr \(tax 24,00\skr\)$/,
    waiting: "Waiting for the shopper to open the link",
    sendBySms: "Send by SMS",
    phone: "Phone number",
    sendText: "Send text message",
    phoneError: "use digits only, such as 070 123 45 67",
    todaysPayments: "Today's payments",
  },
  Svenska: {
    signInHeading: "Logga in i din butik",
    name: "Namn",
    password: "Lösenord",
    signIn: "Logga in",
    wrongPassword: "Butik, namn eller lösenord är fel.",
    item: "Vara",
    unitPrice: /^Styckpris/,
    start: "Starta betalning",
    priceError: "ange ett pris, till exempel 199,00",
    total: /^Totalt 120,00\skr \(moms 24,00\skr\)$/,
    waiting: "Väntar på att kunden öppnar länken",
    sendBySms: "Skicka via sms",
    phone: "Telefonnummer",
    sendText: "Skicka sms",
    phoneError: "använd bara siffror, till exempel 070 123 45 67",
    todaysPayments: "Dagens betalningar",
  },
  Deutsch: {
    signInHeading: "In Ihrem Geschäft anmelden",
    name: "Name",
    password: "Passwort",
    signIn: "Anmelden",
    wrongPassword: "Geschäft, Name oder Passwort ist falsch.",
    item: "Artikel",
    unitPrice: /^Stückpreis/,
    start: "Zahlung starten",
    priceError: "einen Preis eingeben, z. B. 199,00",
    total: /^Gesamt 120,00\skr \(MwSt\. 24,00\skr\)$/,
    waiting: "Warten, bis der Kunde den Link öffnet",
    sendBySms: "Per SMS senden",
    phone: "Telefonnummer",
    sendText: "SMS senden",
    phoneError: "nur Ziffern verwenden, z. B. 0151 2345678",
    todaysPayments: "Heutige Zahlungen",
  },
} as const;

type Language = keyof typeof words;

async function signIn(page: Page, language: Language, password = "kassa-demo"): Promise<void> {
  const w = words[language];
  await expect(page.getByRole("heading", { name: w.signInHeading })).toBeVisible();
  const button = page.getByRole("button", { name: w.signIn, exact: true });
  await expect(button).toBeEnabled();
  await page.getByLabel(w.name, { exact: true }).fill("demo");
  await page.getByLabel(w.password, { exact: true }).fill(password);
  await button.click();
}

/**
 * Cart validation (browser), a payment's status (server push) and a
 * server-side field error, in `language`; money stays the store's (Swedish).
 */
async function expectTillIn(page: Page, language: Language): Promise<void> {
  const w = words[language];
  await expect(page.getByRole("button", { name: w.start })).toBeEnabled();
  await page.getByLabel(w.item, { exact: true }).fill("Scarf");
  await page.getByLabel(w.unitPrice).fill("12 kronor");
  await page.getByRole("button", { name: w.start }).click();
  await expect(page.getByText(w.priceError)).toBeVisible();
  await page.getByLabel(w.unitPrice).fill("120");
  await expect(page.getByText(w.total)).toBeVisible();
  await page.getByRole("button", { name: w.start }).click();
  await expect(page.getByRole("status")).toHaveText(w.waiting);
  // The phone number is checked on the server; its answer is in the same language.
  await page.getByRole("button", { name: w.sendBySms, exact: true }).click();
  await page.getByLabel(w.phone).fill("070 CALL ME");
  await page.getByRole("button", { name: w.sendText, exact: true }).click();
  await expect(page.getByText(w.phoneError)).toBeVisible();
}

test.afterEach(async ({ request }) => {
  // Leave no open payment behind for the other suites' lists.
  await new KassaApi(request).cancelOpenPayments();
});

test.describe("without a chosen language", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("the seller view speaks the store's language (Swedish), then switches to English", async ({ page }) => {
    await page.goto("/seller");
    await expect(page).toHaveURL(/\/seller\/sign-in$/);
    await signIn(page, "Svenska", "wrong-password");
    await expect(page.getByRole("alert")).toHaveText(words.Svenska.wrongPassword);
    await signIn(page, "Svenska");
    await page.waitForURL("**/seller");
    await expectTillIn(page, "Svenska");

    await new LanguagePicker(page).choose("English");
    // The open payment stays; its status and the error now read in English.
    await expect(page.getByRole("status")).toHaveText(words.English.waiting);
    await expect(page.getByText(words.English.phoneError)).toBeVisible();
    await expect(page).toHaveTitle("Seller · Kassa");
    await page.reload();
    await expect(page.getByRole("button", { name: words.English.start })).toBeVisible();
  });
});

test("switching to Swedish changes the till, its errors and its money at once", async ({ page }) => {
  const seller = new SellerPage(page);
  await seller.goto();
  await new LanguagePicker(page).choose("Svenska");
  await expect(page.locator("main")).toHaveAttribute("lang", "sv");
  await expect(page).toHaveTitle("Säljare · Kassa");
  await expectTillIn(page, "Svenska");
  await page.getByRole("link", { name: words.Svenska.todaysPayments }).click();
  await expect(page.getByRole("heading", { name: words.Svenska.todaysPayments })).toBeVisible();
  await expect(page.getByText(words.Svenska.waiting).first()).toBeVisible();
});

test("switching to German is remembered on this device, signed out too", async ({ page }) => {
  const seller = new SellerPage(page);
  await seller.goto();
  await new LanguagePicker(page).choose("Deutsch");
  await expectTillIn(page, "Deutsch");
  await page.reload();
  await expect(page.getByRole("button", { name: words.Deutsch.start })).toBeVisible();
  await expect(page).toHaveTitle("Verkauf · Kassa");
  await page.getByRole("button", { name: "demo abmelden" }).click();
  await expect(page).toHaveURL(/\/seller\/sign-in$/);
  await signIn(page, "Deutsch", "wrong-password");
  await expect(page.getByRole("alert")).toHaveText(words.Deutsch.wrongPassword);
});
