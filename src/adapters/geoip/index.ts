// The GeoIP adapter: GeoLite2 City from the installed npm data package, read with maxmind.
export { createGeoLite2, geoLite2Folder } from "./maxmind.js";
