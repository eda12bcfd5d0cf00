// SMTP carries lines ended by CRLF only (RFC 5321 §2.3.8). A stored message may hold bare LF
// or CR (accepted under mail.bare_lf = normalize, or written by a local program); sent as is,
// a receiver that reads lines differently from us could be fooled into seeing a different end
// of DATA (SMTP smuggling). Every outbound message passes through here first.

const CR = 0x0d;
const LF = 0x0a;

function hasBareLineEnd(data: Buffer): boolean {
  for (let i = data.indexOf(LF); i !== -1; i = data.indexOf(LF, i + 1)) {
    if (i === 0 || data[i - 1] !== CR) return true;
  }
  for (let i = data.indexOf(CR); i !== -1; i = data.indexOf(CR, i + 1)) {
    if (data[i + 1] !== LF) return true;
  }
  return false;
}

/** The bytes with every bare CR and bare LF made CRLF; the same Buffer when there were none. */
export function toCrlf(data: Buffer): Buffer {
  if (!hasBareLineEnd(data)) return data;
  const out = Buffer.allocUnsafe(data.length * 2);
  let o = 0;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b === CR || b === LF) {
      out[o++] = CR;
      out[o++] = LF;
      if (b === CR && data[i + 1] === LF) i++;
    } else {
      out[o++] = b;
    }
  }
  return out.subarray(0, o);
}
