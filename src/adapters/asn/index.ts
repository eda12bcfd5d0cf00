// The ASN adapter: the AS ranges of the installed npm package @ip-location-db/asn.
export { asnFolder, createAsnTable } from "./ranges.js";
