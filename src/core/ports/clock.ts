// Time as a port, so tests set the time and never sleep for real.
import type { EpochMs } from "../accounts/types.js";

export interface Clock {
  now(): EpochMs;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
