#!/usr/bin/env node
// The `ordo` command: runs the compiled CLI (`npm run build`, which `npm install` does through `prepare`).
import '../dist/src/cli/main.js';
