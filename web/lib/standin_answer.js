// The local stand-in's admin answers in words, for the stand-in controls. Pure.

// The stand-in's state answer ({brokerRunning, clockSkewMs, latencyMs, credentialLifetimeSeconds,
// liveRelays, ...}) or {dropped: n} as a sentence; anything else as its JSON.
export function describeAnswer(path, j) {
  if (typeof j?.dropped === 'number') return `${path}: dropped ${j.dropped} connection${j.dropped === 1 ? '' : 's'}.`;
  if (j && typeof j.brokerRunning === 'boolean') {
    const skew = Math.round((j.clockSkewMs ?? 0) / 1000);
    return `${path}: broker ${j.brokerRunning ? 'running' : 'stopped'}, clock ${skew === 0 ? 'not skewed' : `skewed ${skew > 0 ? '+' : ''}${skew} s`}, `
      + `latency ${j.latencyMs ?? 0} ms, Cognito credentials last ${j.credentialLifetimeSeconds} s, ${j.liveRelays} live connection${j.liveRelays === 1 ? '' : 's'}.`;
  }
  return `${path}: ${JSON.stringify(j)}`;
}
