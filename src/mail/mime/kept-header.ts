// The top-level header a stored message keeps apart from its bytes (message_index.header):
// SEARCH HEADER and FETCH of header sections read it instead of the whole message. A header
// longer than the limit is not kept; those readers then take it from the message itself.

export const headerKeepLimit = 64 * 1024;

/** A copy of `bytes`' first `headerLength` bytes, or null past the limit (a slice would keep the whole message alive). */
export function keptHeader(bytes: Buffer, headerStart: number, headerLength: number): Buffer | null {
  return headerLength <= headerKeepLimit ? Buffer.from(bytes.subarray(headerStart, headerStart + headerLength)) : null;
}

/**
 * The kept header of `prefix` followed by a base message from its byte `offset` on, where the
 * base's first `offset` bytes are header fields on top (prefixed-index.ts): the prefix, then the
 * base's kept header without those fields. Null when the base kept none or the result is too long.
 */
export function keptHeaderOver(prefix: Buffer, baseHeader: Buffer | null, offset: number): Buffer | null {
  if (baseHeader === null || offset > baseHeader.length) return null;
  const length = prefix.length + baseHeader.length - offset;
  return length <= headerKeepLimit ? Buffer.concat([prefix, baseHeader.subarray(offset)], length) : null;
}
