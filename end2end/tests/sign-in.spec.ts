import { expect, test } from "./support/test";
import { SellerPage } from "./pages/seller-page";
import { SignInPage } from "./pages/sign-in-page";

test("the till and its data need a signed-in associate", async ({ page, request }) => {
  await page.goto("/seller");
  await expect(page).toHaveURL(/\/seller\/sign-in$/);
  await page.goto("/seller/payments");
  await expect(page).toHaveURL(/\/seller\/sign-in$/);
  // Without JavaScript too: the server answers a real redirect.
  for (const path of ["/seller", "/seller/payments"]) {
    const plain = await request.get(path, { headers: { Accept: "text/html" }, maxRedirects: 0 });
    expect(plain.status(), path).toBe(302);
    expect(plain.headers()["location"], path).toBe("/seller/sign-in");
  }
  // Without the cookie the live streams refuse, whatever the payment id.
  const stream = await request.get("/seller/events");
  expect(stream.status()).toBe(401);
  expect((await request.get("/seller/payments/anything/events")).status()).toBe(401);
});

test("a wrong password is refused without saying which part was wrong", async ({ page }) => {
  const signIn = new SignInPage(page);
  await signIn.goto();
  await signIn.signIn("demo", "not-the-password");
  await expect(page.getByRole("alert")).toHaveText("The store, name or password is wrong.");
  await expect(page.getByLabel("Password")).toHaveValue("");
  await signIn.signIn("nobody", "kassa-demo");
  await expect(page.getByRole("alert")).toHaveText("The store, name or password is wrong.");
});

test("signing in opens the till; signing out closes it", async ({ page, context }) => {
  const seller = new SellerPage(page);
  await seller.goto();
  const cookie = (await context.cookies()).find((c) => c.name === "kassa_seller");
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe("Strict");
  await page.getByRole("button", { name: "Sign out demo" }).click();
  await expect(page).toHaveURL(/\/seller\/sign-in$/);
  await page.goto("/seller");
  await expect(page).toHaveURL(/\/seller\/sign-in$/);
});

// The sign-in is a plain form: the page loads its stylesheet and nothing
// else, so it is ready the moment it is painted, on any network.
test("the sign-in page loads no script, and its language is changed by the form itself", async ({ page }) => {
  const loaded: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/pkg/")) loaded.push(new URL(request.url()).pathname);
  });
  const signIn = new SignInPage(page);
  await signIn.goto();
  await expect(page.getByRole("heading", { name: "Sign in to your store" })).toBeVisible();
  expect(loaded).toHaveLength(1);
  expect(loaded[0]).toMatch(/^\/pkg\/kassa\.[\w-]+\.css$/);

  await page.getByRole("combobox", { name: "Language" }).selectOption({ label: "Deutsch" });
  await page.getByRole("button", { name: "Change language" }).click();
  await expect(page.getByRole("heading", { name: "In Ihrem Geschäft anmelden" })).toBeVisible();
  // Back on the sign-in (Leptos leaves an empty query behind).
  await expect(page).toHaveURL(/\/seller\/sign-in\??$/);
  await expect(page.locator("html")).toHaveAttribute("lang", "de");
  await page.getByRole("combobox", { name: "Sprache" }).selectOption({ label: "English" });
  await page.getByRole("button", { name: "Sprache wechseln" }).click();
  await expect(page.getByRole("heading", { name: "Sign in to your store" })).toBeVisible();
  expect(loaded.filter((path) => !path.endsWith(".css")), "no script on any of them").toEqual([]);
});

// A tap on Sign in before the wasm has arrived (slow store Wi-Fi), or a
// browser without JavaScript: the form posts to the server itself.
test.describe("before the page hydrates, or without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the sign-in form still signs in, says when the password is wrong, and signs out", async ({ page }) => {
    await page.goto("/seller/sign-in");
    await page.getByLabel("Name").fill("demo");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/seller\/sign-in\?/);
    await expect(page.getByRole("alert")).toHaveText("The store, name or password is wrong.");
    await page.getByLabel("Name").fill("demo");
    await page.getByLabel("Password").fill("kassa-demo");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/seller$/);
    await expect(page.getByText("Kassa Demo Store")).toBeVisible();
    await page.getByRole("button", { name: "Sign out demo" }).click();
    await expect(page).toHaveURL(/\/seller\/sign-in$/);
    await page.goto("/seller");
    await expect(page).toHaveURL(/\/seller\/sign-in$/);
  });
});
