/** The bytes are not an OpenPGP message this code reads (or the caller asked for something it does not write). */
export class PgpFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PgpFormatError";
  }
}

/** The message is well-formed but failed AEAD authentication: wrong key, or modified. */
export class PgpAuthError extends PgpFormatError {
  constructor() {
    super("the message failed authentication (wrong key or modified data)");
    this.name = "PgpAuthError";
  }
}
