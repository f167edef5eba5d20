#!/usr/bin/env node
'use strict';
// CommonJS on purpose: `--version` and a plain `--help` are answered without the ES module loader (on
// Node 20 ~8 ms of a ~40 ms start; src/quick-answers.ts). Every other command runs the ES module bundle.
const { pathToFileURL } = require('node:url');
const { join } = require('node:path');

const root = pathToFileURL(join(__dirname, '..', '/'));
if (!require('../dist/bundle/quick.cjs').answerQuickly(process.argv.slice(2), root)) {
  import('../dist/bundle/main.js').then(({ main }) => main());
}
