// A login record as JSON, the same for `moat logins --json` and the web API, since scripts
// rely on it (issue 8): these names, these types, nulls where nothing is known.
import type { LoginRecord } from "../auth/types.js";

export const loginRecordJson = (r: LoginRecord) => ({
  id: r.id,
  time: new Date(r.at).toISOString(),
  address: r.identity,
  channel: r.channel,
  method: r.method,
  ip: r.ip,
  network: r.network,
  country: r.country,
  region: r.region,
  city: r.city,
  asn: r.asn,
  asOrg: r.asOrg,
  appPassword: r.appPasswordName,
  clientId: r.clientId,
  result: r.result,
  reason: r.reason,
});
