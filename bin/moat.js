#!/usr/bin/env node
// The `moat` command. The TypeScript is compiled to dist/ by `npm install` (prepare) or `npm run build`.
import { runCli } from "../dist/cli/main.js";

process.exitCode = await runCli(process.argv.slice(2));
