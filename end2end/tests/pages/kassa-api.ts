import { expect, type APIRequestContext } from "@playwright/test";

/** What the shop's back office sees: Kassa's JSON API with the dev key. */
export class KassaApi {
  constructor(private readonly request: APIRequestContext, private readonly base = "") {}

  /** Today's payments of the demo store, every page of them. */
  async payments(): Promise<Array<Record<string, unknown>>> {
    const all: Array<Record<string, unknown>> = [];
    for (let after = ""; ; ) {
      const response = await this.request.get(`${this.base}/api/v1/payments`, {
        headers: { Authorization: "Bearer kassa-dev-key" },
        params: after ? { limit: 100, starting_after: after } : { limit: 100 },
      });
      expect(response.ok(), await response.text()).toBeTruthy();
      const page = await response.json();
      all.push(...page.payments);
      if (!page.has_more) return all;
      after = String(all[all.length - 1].id);
    }
  }

  /** Starts a payment as a POS would; answers the payment as Kassa returns it. */
  async startPayment(idempotencyKey: string, lines: object[]): Promise<Record<string, unknown>> {
    const response = await this.request.post(`${this.base}/api/v1/payments`, {
      headers: { Authorization: "Bearer kassa-dev-key", "Idempotency-Key": idempotencyKey },
      data: { lines },
    });
    expect(response.status(), await response.text()).toBe(201);
    return response.json();
  }

  /** The payment whose Klarna payment page is this session's. */
  async paymentForSession(sessionId: string): Promise<Record<string, unknown>> {
    const payments = await this.payments();
    const found = payments.find((p) => String(p.redirect_url ?? "").endsWith(`/pay/${sessionId}`));
    expect(found, `a payment for session ${sessionId}`).toBeTruthy();
    return found!;
  }

  /** Withdraws every payment still waiting for a shopper, so later tests start clean. */
  async cancelOpenPayments(): Promise<void> {
    const payable = ["waiting", "in_progress", "declined", "back", "error"];
    for (const payment of (await this.payments()).filter((p) => payable.includes(String(p.status)))) {
      const cancelled = await this.request.delete(`${this.base}/api/v1/payments/${payment.id}`, {
        headers: { Authorization: "Bearer kassa-dev-key" },
      });
      expect(cancelled.ok(), `cancel ${payment.id}`).toBeTruthy();
    }
  }
}
