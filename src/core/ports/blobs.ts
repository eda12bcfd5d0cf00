// Message bodies as immutable blobs named by their SHA-256. put() resolves only once the
// bytes are on stable storage, so a row that names a blob can be committed after it.
export interface BlobRef {
  /** Lower-case hex SHA-256 of the bytes. */
  readonly hash: string;
  readonly size: number;
}

export interface BlobStore {
  /** Stores the bytes durably (idempotent: the same bytes give the same ref). */
  put(data: Buffer): Promise<BlobRef>;
  /** The bytes, or throws MoatError('internal') if the blob is missing or corrupt. */
  get(hash: string): Promise<Buffer>;
  /** Deletes a blob no row references any more. Missing blobs are not an error. */
  remove(hash: string): Promise<void>;
}
