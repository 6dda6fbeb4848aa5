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
    // The log lines KassaProcess waits for are at info level, without colour codes.
    RUST_LOG: "info,tower_http=warn",
    NO_COLOR: "1",
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

/** A copy of the shipped kassa.toml in a directory of its own, for a test to edit while Kassa runs. */
export class ConfigFile {
  private constructor(readonly path: string) {}

  static copyOfShipped(): ConfigFile {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kassa-e2e-config-")), "kassa.toml");
    fs.copyFileSync(path.join(root, "kassa.toml"), file);
    return new ConfigFile(file);
  }

  read(): string {
    return fs.readFileSync(this.path, "utf8");
  }

  /** Replaces text that must be in the file exactly once, so an edit never silently misses. */
  replace(from: string, to: string): void {
    const text = this.read();
    const count = text.split(from).length - 1;
    if (count !== 1) throw new Error(`${JSON.stringify(from)} is in ${this.path} ${count} times, not once`);
    fs.writeFileSync(this.path, text.replace(from, () => to));
  }
}

/** What Kassa logged after a SIGHUP: whether the new config was put in force, and the log line that says so. */
export type ConfigReload = { applied: boolean; line: string };

/** A second Kassa with its own config, for behaviour the suite's server is not configured for. */
export class KassaProcess {
  /** Kassa's output (log lines), oldest first. */
  private readonly output: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly launch: { args: string[]; env: NodeJS.ProcessEnv },
  ) {
    let partial = "";
    const collect = (chunk: Buffer) => {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      // Colour codes are stripped in case the build ignores NO_COLOR.
      this.output.push(...lines.map((line) => line.replace(/\x1b\[[0-9;]*m/g, "")));
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
  }

  /**
   * Starts kassa on the spare port. `configFile` is passed as `--config`
   * (otherwise ./kassa.toml); `overrides` are `KASSA__…` variables, which win
   * over the file, also on reload.
   */
  static async start(
    overrides: Record<string, string> = {},
    options: { configFile?: ConfigFile } = {},
  ): Promise<KassaProcess> {
    const port = sparePort();
    const args = options.configFile ? ["--config", options.configFile.path] : [];
    return KassaProcess.launch(`http://127.0.0.1:${port}`, { args, env: environment(port, overrides) });
  }

  private static async launch(url: string, launch: { args: string[]; env: NodeJS.ProcessEnv }): Promise<KassaProcess> {
    const child = spawn(kassaBinary(), launch.args, { cwd: root, env: launch.env, stdio: ["ignore", "pipe", "pipe"] });
    const kassa = new KassaProcess(child, url, launch);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(`kassa exited with ${child.exitCode}:\n${kassa.log().slice(-20).join("\n")}`);
      }
      try {
        if ((await fetch(`${kassa.url}/shop`)).ok) return kassa;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    child.kill();
    throw new Error(`kassa did not start at ${kassa.url}`);
  }

  /** SIGKILL: Kassa ends as in a crash or power cut, no shutdown code runs. */
  async crash(): Promise<void> {
    if (!this.running()) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGKILL");
    await exited;
  }

  /** Starts Kassa again on the same port, config and database. */
  async startAgain(): Promise<KassaProcess> {
    if (this.running()) throw new Error("kassa is still running");
    return KassaProcess.launch(this.url, this.launch);
  }

  /** What Kassa has logged so far. */
  log(): string[] {
    return [...this.output];
  }

  /**
   * Sends SIGHUP (re-read the config file) and waits until Kassa logs
   * whether it put the new config in force or kept the old one.
   */
  async reloadConfig(timeoutMs = 10_000): Promise<ConfigReload> {
    const seen = this.output.length;
    if (!this.child.kill("SIGHUP")) throw new Error("kassa is not running");
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const line = this.output.slice(seen).find((l) => /configuration (reloaded|change refused)/.test(l));
      if (line) return { applied: line.includes("configuration reloaded"), line };
      if (!this.running()) {
        throw new Error(`kassa ended after SIGHUP (${this.child.exitCode ?? this.child.signalCode})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`kassa logged nothing about the config within ${timeoutMs} ms of SIGHUP`);
  }

  /** Whether the process is still up. */
  running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * SIGTERM, then SIGKILL after `graceMs`: Kassa's graceful shutdown gives
   * open live streams (server-sent events) up to 10 s to end, and a page
   * still open in the test (as in an afterEach hook) keeps its stream open.
   */
  async stop(graceMs = 2_000): Promise<void> {
    if (!this.running()) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * A Klarna simulator in a process of its own (`kassa simulator`), for tests
 * where Klarna must outlive Kassa: the embedded one forgets its sessions when
 * Kassa stops. Pass `kassaOverrides()` to `KassaProcess.start`.
 */
export class SimulatorProcess {
  private static readonly username = "e2e-merchant";
  private static readonly password = "e2e-simulator-password";

  private constructor(private readonly child: ChildProcess, readonly url: string) {}

  static async start(): Promise<SimulatorProcess> {
    const port = sparePort() + 1;
    const url = `http://127.0.0.1:${port}`;
    const args = ["simulator", "--listen", `127.0.0.1:${port}`];
    args.push("--username", SimulatorProcess.username, "--password", SimulatorProcess.password);
    const child = spawn(kassaBinary(), args, { cwd: root, stdio: "ignore" });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the simulator exited with ${child.exitCode}`);
      try {
        await fetch(`${url}/_sim/outbox`);
        return new SimulatorProcess(child, url);
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    child.kill("SIGKILL");
    throw new Error(`the simulator did not start at ${url}`);
  }

  /** The settings that point a Kassa at this simulator. */
  kassaOverrides(): Record<string, string> {
    return {
      KASSA__KLARNA__BASE_URL: this.url,
      KLARNA_USERNAME: SimulatorProcess.username,
      KLARNA_PASSWORD: SimulatorProcess.password,
    };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGKILL");
    await exited;
  }
}
