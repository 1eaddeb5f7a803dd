// "iotlite/tabs-worker.js": the SharedWorker script of "iotlite/tabs" (no exports). Import it only
// to get its URL from a bundler, for the `workerUrl` option.
export {};
