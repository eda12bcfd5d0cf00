// Deep freezing for values shared between callers (parsed settings read on every message): a
// caller that tried to change a shared value would change it for everyone, so it fails at once.

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
