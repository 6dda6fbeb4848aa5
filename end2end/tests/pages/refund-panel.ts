import { expect, type Locator } from "@playwright/test";

/** Swedish words of the refund panel, as an associate in a Swedish store reads them. */
export const sv = {
  open: "Återbetala…",
  items: "Varor",
  amount: "Ett belopp",
  // The label holds the field's error too, when there is one.
  amountField: /^Belopp \(SEK\)/,
  reference: "Returnummer (valfritt)",
  goOn: "Fortsätt",
  back: "Tillbaka",
  refunds: "Återbetalningar",
  allRefunded: "Allt är återbetalt.",
};

/** The refund section of one paid payment's row in the payments list. */
export class RefundPanel {
  readonly openButton: Locator;
  readonly left: Locator;
  readonly result: Locator;
  readonly refunds: Locator;

  constructor(readonly row: Locator) {
    this.openButton = row.getByRole("button", { name: sv.open });
    this.left = row.getByText(/^Kvar att återbetala: /);
    this.result = row.getByRole("status").filter({ hasText: /^Återbetalning på / });
    this.refunds = row.getByRole("list", { name: sv.refunds }).getByRole("listitem");
  }

  async open(): Promise<void> {
    await this.openButton.click();
    await expect(this.left).toBeVisible();
  }

  /** Chooses items: `count` of the line named `name`. */
  async chooseItems(name: string, count: string): Promise<void> {
    await this.row.getByRole("radio", { name: sv.items }).check();
    await this.row.getByLabel(new RegExp(`^${name}: antal tillbaka`)).fill(count);
  }

  async chooseAmount(amount: string): Promise<void> {
    await this.row.getByRole("radio", { name: sv.amount }).check();
    await this.row.getByLabel(sv.amountField).fill(amount);
  }

  async giveReference(reference: string): Promise<void> {
    await this.row.getByLabel(sv.reference).fill(reference);
  }

  async goOn(): Promise<void> {
    await this.row.getByRole("button", { name: sv.goOn }).click();
  }

  /** The confirm step's yes, for this amount as the store writes it. */
  confirmButton(amount: string): Locator {
    return this.row.getByRole("button", { name: `Ja, återbetala ${amount}` });
  }
}
