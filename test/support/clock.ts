// A clock the test sets. sleep() records the delay and advances time instead of waiting.
import type { Clock } from "../../src/core/ports/clock.js";

export class TestClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public current = Date.UTC(2026, 10, 26, 12, 0, 0)) {}
  now(): number {
    return this.current;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
