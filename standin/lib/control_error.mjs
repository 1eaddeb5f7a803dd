// An error of a control-plane call (admin API) that carries AWS's HTTP status and exception name
// (e.g. 404 ResourceNotFoundException); lib/admin.mjs answers it as {error, code} with that status.
export class ControlError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}
