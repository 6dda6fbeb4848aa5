import { expect, type APIRequestContext } from "@playwright/test";

/** The embedded Klarna simulator's control API (`/klarna-sim/_sim`). */
export class KlarnaSimulator {
  constructor(private readonly request: APIRequestContext) {}

  async setFaults(faults: object): Promise<void> {
    const response = await this.request.post("/klarna-sim/_sim/faults", { data: faults });
    expect(response.ok()).toBeTruthy();
  }

  async resetFaults(): Promise<void> {
    const response = await this.request.delete("/klarna-sim/_sim/faults");
    expect(response.ok()).toBeTruthy();
  }
}
