// The stand-in's clock: wall time plus an adjustable skew (a fault control). Everything
// that AWS would judge by its own clock (X-Amz-Date window, URL and credential expiry, the
// Date header) reads this clock.
export class Clock {
  constructor(skewMs = 0) { this.skewMs = skewMs; }
  nowMs() { return Date.now() + this.skewMs; }
  date() { return new Date(this.nowMs()); }
  httpDate() { return this.date().toUTCString(); }
}
