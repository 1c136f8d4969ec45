// Exponential backoff for sync retries: 1 s, 2 s, 4 s … capped at 5 min, with jitter so
// that many phones coming back online at once do not hit the server in step.
// Pure: no timers here; sync.js decides when to wait.

export class Backoff {
  /**
   * @param {{min?: number, max?: number, factor?: number, jitter?: number, random?: () => number}} [options]
   *   jitter is a fraction: 0.2 spreads each delay over ±20 %.
   */
  constructor({ min = 1000, max = 300000, factor = 2, jitter = 0.2, random = Math.random } = {}) {
    this.min = min;
    this.max = max;
    this.factor = factor;
    this.jitter = jitter;
    this.random = random;
    this._attempt = 0;
  }

  /** How many delays have been handed out since the last reset. */
  get attempt() {
    return this._attempt;
  }

  /** The next delay in ms; each call grows it until the cap. @returns {number} */
  next() {
    const base = Math.min(this.max, this.min * this.factor ** this._attempt);
    this._attempt += 1;
    const spread = 1 + this.jitter * (2 * this.random() - 1);
    return Math.round(Math.min(this.max, Math.max(this.min, base * spread)));
  }

  /** Back to the shortest delay (after a success). */
  reset() {
    this._attempt = 0;
  }
}
