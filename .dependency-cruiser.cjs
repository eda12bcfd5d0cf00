// The import arrows of DESIGN.md, enforced: protocols/ and web/ → core/ → core/ports ← store/.
// A wrong arrow fails `npm run lint` and so CI.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "core-is-pure",
      comment: "core/ decides; it speaks to the world only through core/ports (no store, protocols, web, cli, settings)",
      severity: "error",
      from: { path: "^src/core/" },
      to: { path: "^src/(store|protocols|web|cli|config|app\\.ts|main\\.ts)" },
    },
    {
      name: "shared-is-dependency-free",
      severity: "error",
      from: { path: "^src/shared/" },
      to: { path: "^src/(?!shared/)" },
    },
    {
      name: "mail-is-pure-formats",
      severity: "error",
      from: { path: "^src/mail/" },
      to: { path: "^src/(?!mail/|shared/)" },
    },
    {
      name: "config-knows-only-settings",
      severity: "error",
      from: { path: "^src/config/" },
      to: { path: "^src/(?!config/|shared/)" },
    },
    {
      name: "store-implements-ports-only",
      severity: "error",
      from: { path: "^src/store/" },
      to: { path: "^src/(protocols|web|cli|app\\.ts|main\\.ts)" },
    },
    {
      name: "adapters-implement-ports-only",
      comment: "adapters/ (DNS, …) implement core/ports for I/O that is not persistence",
      severity: "error",
      from: { path: "^src/adapters/" },
      to: { path: "^src/(store|protocols|web|cli|app\\.ts|main\\.ts)" },
    },
    {
      name: "edges-never-touch-adapters",
      severity: "error",
      from: { path: "^src/(protocols|web|cli|core)/" },
      to: { path: "^src/adapters/" },
    },
    {
      name: "edges-never-touch-the-store",
      comment: "protocols, web and the CLI go through core; only the composition root opens the store",
      severity: "error",
      from: { path: "^src/(protocols|web|cli)/" },
      to: { path: "^src/store/" },
    },
    {
      name: "protocols-do-not-import-each-other",
      comment: "each protocol is its own folder; protocols/net is the shared connection runtime",
      severity: "error",
      from: { path: "^src/protocols/([^/]+)/" },
      to: { path: "^src/protocols/", pathNot: ["^src/protocols/$1/", "^src/protocols/net/"] },
    },
    {
      name: "protocols-and-web-are-separate-edges",
      severity: "error",
      from: { path: "^src/(protocols|web)/" },
      to: { path: "^src/(cli|app\\.ts|main\\.ts)" },
    },
    {
      name: "web-uses-only-the-net-runtime",
      severity: "error",
      from: { path: "^src/web/" },
      to: { path: "^src/protocols/(?!net/)" },
    },
    {
      name: "protocols-do-not-import-web",
      severity: "error",
      from: { path: "^src/protocols/" },
      to: { path: "^src/web/" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
