import type { Page } from "@playwright/test";

/** Every visible button, link, input and select: at least 44 px tall and wide. */
export async function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll("button, a, input, select"))
      .filter((el) => (el as HTMLElement).offsetParent !== null)
      .map((el) => ({ el, box: el.getBoundingClientRect() }))
      .filter(({ box }) => box.height < 44 || box.width < 44)
      .map(({ el, box }) => `${el.tagName} "${(el.textContent || (el as HTMLInputElement).name || "").trim()}" ${Math.round(box.width)}x${Math.round(box.height)}`),
  );
}

export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** Controls that stick out of their card (the cart or payment panel), by label. */
export async function spilledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll(".cart input, .cart select, .payment input, .payment select, .payment button"))
      .filter((el) => (el as HTMLElement).offsetParent !== null)
      .filter((el) => {
        const card = el.closest(".cart, .payment")!.getBoundingClientRect();
        const box = el.getBoundingClientRect();
        return box.left < card.left || box.right > card.right;
      })
      .map((el) => `${el.tagName} "${(el.closest("label")?.textContent ?? el.textContent ?? "").trim()}"`),
  );
}
