// Waits for a condition on a real process's state (a queue row, a mailbox) that no event
// announces to the test: polls briefly, and fails with a description after a deadline.
export async function eventually<T>(probe: () => Promise<T | undefined | false>, what: () => string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
