import { expect, test } from "./support/test";
import { SellerPage } from "./pages/seller-page";
import { SignInPage } from "./pages/sign-in-page";

// Every Kassa page tells the browser what it may load and who may frame it;
// the whole suite runs under that policy (support/test.ts fails any test in
// whose pages the policy blocked something).
test("every page carries its security headers, and the till works under them", async ({ page, request }) => {
  for (const path of ["/", "/no-such-page"]) {
    // The policy's nonce is the one this response's inline scripts carry.
    const raw = await request.get(path);
    const nonce = /'nonce-([A-Za-z0-9_-]+)'/.exec(raw.headers()["content-security-policy"] ?? "")?.[1];
    expect(nonce, path).toBeTruthy();
    expect(await raw.text(), path).toContain(`nonce="${nonce}"`);
  }
  // Where passwords are typed nothing runs: no script in the page, none allowed.
  const signIn = await request.get("/seller/sign-in");
  expect(signIn.headers()["content-security-policy"]).toMatch(/^default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';/);
  expect(await signIn.text()).not.toContain("<script");
  // The shop's cart runs nothing either; its form may lead on to Klarna (here the simulator, on Kassa's origin).
  const cart = await request.get("/shop");
  expect(cart.headers()["content-security-policy"]).toMatch(/^default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' http:\/\/[^;]+;/);
  expect(await cart.text()).not.toContain("<script");
  for (const path of ["/seller/sign-in", "/shop", "/"]) {
    const response = await page.goto(path);
    const headers = response!.headers();
    if (path === "/") {
      expect(headers["content-security-policy"], path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]+' 'wasm-unsafe-eval'/);
    }
    expect(headers["content-security-policy"], path).toContain("frame-ancestors 'none'");
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["referrer-policy"], path).toBe("same-origin");
    expect(headers["cache-control"], path).toBe("no-store");
  }
  // Signed in, the till hydrates and Klarna's Distribution Module loads in its sandboxed frame.
  const seller = new SellerPage(page);
  await seller.goto();
  await seller.enterSale("Scarf", "199");
  await seller.start();
  await expect(seller.status).toHaveText("Waiting for the shopper to open the link");
  await expect(seller.distributionModule.getByRole("img", { name: "QR code for the payment link" })).toBeVisible();
  await expect(seller.distributionModuleFrame).toHaveAttribute("sandbox", /allow-scripts/);
  await expect(seller.distributionModuleFrame).toHaveAttribute("referrerpolicy", "no-referrer");
  await seller.cancel();
});

test("a form on another site cannot sign a browser in", async ({ page, context }) => {
  // Learn the sign-in's address from Kassa's own page, as an attacker would.
  const signIn = new SignInPage(page);
  await signIn.goto();
  const posted = page.waitForRequest((request) => request.method() === "POST");
  await signIn.signIn("demo", "not-the-password");
  const action = new URL((await posted).url()).pathname;

  // Another origin (a data: page is an opaque one) posts the form.
  const evil = await context.newPage();
  await evil.setContent(`<form method="post" action="${page.url().replace(/\/seller\/sign-in$/, "")}${action}">
      <input name="store" value="stockholm"><input name="name" value="demo"><input name="password" value="kassa-demo">
      <button>Win a prize</button></form>`);
  const answer = evil.waitForResponse((response) => response.url().endsWith(action));
  await evil.getByRole("button", { name: "Win a prize" }).click();
  expect((await answer).status()).toBe(403);
  expect((await context.cookies()).find((c) => c.name === "kassa_seller")).toBeUndefined();
});
