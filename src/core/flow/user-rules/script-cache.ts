// Compiled Sieve scripts, kept in memory by (account, script, last change): delivery compiles a
// script once, not once per message. The stored text is compared too, so a row changed by
// another process within the same millisecond is never run from a stale compile. One cache per
// store (tests open many), bounded: oldest out first.
import { compileSieve, type CompiledSieve } from "../../sieve/index.js";

const maxEntries = 5000;
const caches = new WeakMap<object, Map<string, { content: string; script: CompiledSieve | null }>>();

/** The compiled script, or null when it no longer compiles (a stored script always did once). */
export function compiledScript(owner: object, userId: number, script: { name: string; content: string; updatedAt: number }): CompiledSieve | null {
  let cache = caches.get(owner);
  if (!cache) caches.set(owner, (cache = new Map()));
  const key = `${userId}\n${script.name}\n${script.updatedAt}`;
  const hit = cache.get(key);
  if (hit && hit.content === script.content) return hit.script;
  const result = compileSieve(script.content);
  const entry = { content: script.content, script: result.ok ? result.script : null };
  if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
  cache.set(key, entry);
  return entry.script;
}
