import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(process.cwd(), "..");

/**
 * The kassa binary the suite was built with: scripts/test.sh names the
 * profile in KASSA_E2E_PROFILE; otherwise the newest of debug and release.
 */
function kassaBinary(): string {
  const target = process.env.CARGO_TARGET_DIR ?? path.join(root, "target");
  const profile = process.env.KASSA_E2E_PROFILE;
  const profiles = profile ? [profile] : ["debug", "release"];
  const found = profiles
    .map((profile) => path.join(target, profile, "kassa"))
    .filter((file) => fs.existsSync(file))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  if (found.length === 0) throw new Error(`no kassa binary under ${target}`);
  return found[0];
}

/** A port beside the suite's own server, so runs on 3000 and 3100 never meet. */
export function sparePort(): number {
  const base = Number(new URL(process.env.KASSA_URL ?? "http://127.0.0.1:3000").port || 80);
  return base + 101;
}

function environment(port: number, overrides: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KASSA__LISTEN: `127.0.0.1:${port}`,
    KASSA__PUBLIC_URL: `http://127.0.0.1:${port}`,
    KASSA__DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "kassa-e2e-")),
    ...overrides,
  };
}

/** Starts kassa with config overrides and says how it ended (it should not start). */
export function startExpectingRefusal(overrides: Record<string, string>): { status: number | null; stderr: string } {
  const result = spawnSync(kassaBinary(), [], {
    cwd: root,
    env: environment(sparePort(), overrides),
    encoding: "utf8",
    timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr };
}

/** A second Kassa with its own config, for behaviour the suite's server is not configured for. */
export class KassaProcess {
  private constructor(private readonly child: ChildProcess, readonly url: string) {}

  static async start(overrides: Record<string, string> = {}): Promise<KassaProcess> {
    const port = sparePort();
    const child = spawn(kassaBinary(), [], { cwd: root, env: environment(port, overrides), stdio: "ignore" });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`kassa exited with ${child.exitCode}`);
      try {
        if ((await fetch(`${url}/shop`)).ok) return new KassaProcess(child, url);
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    child.kill();
    throw new Error(`kassa did not start at ${url}`);
  }

  /**
   * SIGTERM, then SIGKILL after `graceMs`: Kassa's graceful shutdown waits
   * for every open live stream (server-sent events) to end, and a page still
   * open in the test (as in an afterEach hook) keeps its stream open.
   */
  async stop(graceMs = 2_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
