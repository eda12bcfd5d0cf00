// Secrets the server must be able to read back (DKIM private keys) are kept sealed in the
// database, with a key that lives outside it: a copy of the database or of its backups alone
// does not give them away.
export interface SecretSealer {
  /**
   * Encrypts and authenticates plain for one use, named by context (e.g. "dkim:example.com"):
   * a sealed value opens only with the same context, so rows cannot be swapped.
   */
  seal(plain: string, context: string): string;
  /** The plain text; throws MoatError('config_invalid') if the key does not open it. */
  open(sealed: string, context: string): string;
  /** True for a value sealed by seal(), false for one stored before values were sealed. */
  isSealed(value: string): boolean;
}
