/**
 * The error a call fails with, as a client sees it: its name (an AWS SDK error's or a DomainError's
 * code), message and, from an AWS SDK, the HTTP status. Fails the test when the call succeeds.
 */
export async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error("expected the call to fail");
}
