/**
 * Typed failures of a remote system, worded for the integrations page. None carries the request, the response body
 * or the credentials: a message may be shown to admins and recorded in the activity feed.
 */
export class IntegrationError extends Error {
  constructor(
    readonly code: "bad_credentials" | "rate_limited" | "not_found" | "remote_down" | "refused",
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadCredentialsError extends IntegrationError {
  constructor(system: string) {
    super("bad_credentials", `${system} refused the key: check that it is current and allowed to use the API`);
  }
}

export class RateLimitedError extends IntegrationError {
  constructor(
    system: string,
    /** When the remote system said to come back, in milliseconds from now. */
    readonly retryAfterMs: number,
  ) {
    super("rate_limited", `${system} asked us to slow down; the sync will try again in ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

export class RemoteNotFoundError extends IntegrationError {
  constructor(system: string, what: string) {
    super("not_found", `${system} has no ${what} with that id`);
  }
}

export class RemoteDownError extends IntegrationError {
  constructor(system: string, why: "timeout" | "unreachable" | "server_error") {
    super(
      "remote_down",
      why === "timeout" ? `${system} did not answer in time` : why === "unreachable" ? `${system} could not be reached` : `${system} had an error on its side`,
    );
  }
}

/** The remote system rejected the request itself (a 4xx other than the above): usually a mapping to a code it no longer has. */
export class RemoteRefusedError extends IntegrationError {
  constructor(
    system: string,
    readonly status: number,
  ) {
    super("refused", `${system} refused the request (HTTP ${status}); check the mapping against its current codes`);
  }
}
