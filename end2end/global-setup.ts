// cargo-leptos starts the server and the tests at the same moment, so wait
// until Kassa answers before any test runs.
export default async function globalSetup(): Promise<void> {
  const url = process.env.KASSA_URL ?? "http://127.0.0.1:3000";
  const deadline = Date.now() + 90_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/seller`);
      if (response.ok) return;
      lastError = new Error(`HTTP ${response.status}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Kassa did not start at ${url}: ${String(lastError)}`);
}
