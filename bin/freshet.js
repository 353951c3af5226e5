#!/usr/bin/env node
// The `freshet` command: the compiled CLI lives in dist/ (built by `npm run build`
// or by the `prepare` step of `npm install`).
import '../dist/src/cli/main.js';
