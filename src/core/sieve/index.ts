// The Sieve engine (RFC 5228 and the extensions listed in types.ts): compile a user's script
// once, run it per message and recipient. Pure: no store, no clock, no I/O.
export { compileSieve, DEFAULT_SIEVE_LIMITS, type SieveLimits } from "./compile.js";
export { runSieve } from "./interpret.js";
export { sieveMessageOf, type SieveMessageOptions } from "./message.js";
export * from "./types.js";
