// tabs_services.js — what tabs.js (the tabs) and tabs_hub.js (the hub) agree on about the Shadow /
// Jobs objects of a shared connection: the calls a tab may make, and the id of one object.

// The calls of a Shadow / Jobs, which the hub's client runs.
export const SERVICE_CALLS = {
  shadow: ['get', 'update', 'report', 'desire', 'delete', 'watch'],
  jobs: ['list', 'startNext', 'describe', 'update', 'watch'],
};

// One Shadow / Jobs: key is [thing, shadowName] or [thing].
export const serviceId = (kind, key) => `${kind}\n${JSON.stringify(key)}`;
