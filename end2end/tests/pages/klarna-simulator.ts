import { expect, type APIRequestContext } from "@playwright/test";

/** The embedded Klarna simulator's control API (`/klarna-sim/_sim`). */
export class KlarnaSimulator {
  constructor(private readonly request: APIRequestContext) {}

  async setFaults(faults: object): Promise<void> {
    const response = await this.request.post("/klarna-sim/_sim/faults", { data: faults });
    expect(response.ok()).toBeTruthy();
  }

  /** Messages Klarna "sent" (SMS and e-mail), newest last. */
  async outbox(): Promise<Array<{ method: string; to: string; link: string; text: string }>> {
    const response = await this.request.get("/klarna-sim/_sim/outbox");
    expect(response.ok()).toBeTruthy();
    return response.json();
  }

  async resetFaults(): Promise<void> {
    const response = await this.request.delete("/klarna-sim/_sim/faults");
    expect(response.ok()).toBeTruthy();
  }
}

/** Acts as the shopper on Klarna's side without a browser (`/_sim/sessions/{id}/actions/{action}`). */
export async function actAsShopper(request: APIRequestContext, sessionId: string, action: string): Promise<void> {
  const response = await request.post(`/klarna-sim/_sim/sessions/${sessionId}/actions/${action}`);
  expect(response.ok(), `${action}: ${response.status()}`).toBeTruthy();
}
