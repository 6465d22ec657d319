/**
 * Polls `condition` until it returns a truthy value; fails with `what` after `timeoutMs` (a function
 * is asked at the timeout, so the message can show how things stood then).
 */
export async function waitFor<T>(condition: () => T | Promise<T>, what: string | (() => string), timeoutMs = 15_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
