import { expect, type APIRequestContext } from "@playwright/test";

/** The embedded Klarna simulator's control API (`/klarna-sim/_sim`), of the suite's server or the Kassa at `base`. */
export class KlarnaSimulator {
  constructor(private readonly request: APIRequestContext, private readonly base = "") {}

  async setFaults(faults: object): Promise<void> {
    const response = await this.request.post(`${this.base}/klarna-sim/_sim/faults`, { data: faults });
    expect(response.ok()).toBeTruthy();
  }

  /** Messages Klarna "sent" (SMS and e-mail), newest last. */
  async outbox(): Promise<Array<{ method: string; to: string; link: string; text: string }>> {
    const response = await this.request.get(`${this.base}/klarna-sim/_sim/outbox`);
    expect(response.ok()).toBeTruthy();
    return response.json();
  }

  /** Orders placed at Klarna, each with its captures and refunds. */
  async orders(): Promise<Array<{ order_id: string; refunds: Array<{ amount: number; reference?: string }> }>> {
    const response = await this.request.get(`${this.base}/klarna-sim/_sim/orders`);
    expect(response.ok()).toBeTruthy();
    return response.json();
  }

  async resetFaults(): Promise<void> {
    const response = await this.request.delete(`${this.base}/klarna-sim/_sim/faults`);
    expect(response.ok()).toBeTruthy();
  }

  /**
   * Moves the simulator's clock forward, for everything it serves: sessions
   * whose lifetime has passed are gone, as at Klarna. The clock is the
   * simulator's alone; Kassa's own timers keep real time.
   */
  async advanceClock(seconds: number): Promise<void> {
    const response = await this.request.post(`${this.base}/klarna-sim/_sim/clock`, {
      data: { advance_seconds: seconds },
    });
    expect(response.ok(), `advance the clock: ${response.status()}`).toBeTruthy();
  }
}

/** Acts as the shopper on Klarna's side without a browser (`/_sim/sessions/{id}/actions/{action}`). */
export async function actAsShopper(request: APIRequestContext, sessionId: string, action: string): Promise<void> {
  const response = await request.post(`/klarna-sim/_sim/sessions/${sessionId}/actions/${action}`);
  expect(response.ok(), `${action}: ${response.status()}`).toBeTruthy();
}
