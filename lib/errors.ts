/**
 * A rule of the product refused a request (a last owner cannot leave, a contact is not visible…).
 * The message is written for the person and safe to show as-is; the action wrapper turns it into form
 * state and the route wrapper into problem+json, so no edge needs a catch block of its own.
 */
export class RuleError extends Error {
  readonly fieldErrors?: Record<string, string>;
  /** The HTTP status a route answers with: 404 for what the person may not see, 409 for a conflict, 422 otherwise. */
  readonly status: 403 | 404 | 409 | 422;
  constructor(message: string, options: { fieldErrors?: Record<string, string>; status?: 403 | 404 | 409 | 422 } = {}) {
    super(message);
    this.name = "RuleError";
    this.fieldErrors = options.fieldErrors;
    this.status = options.status ?? 422;
  }
}

/** Something the person may not see, or that does not exist: the same answer for both. */
export class NotFoundError extends RuleError {
  constructor(message = "Not found.") {
    super(message, { status: 404 });
    this.name = "NotFoundError";
  }
}
