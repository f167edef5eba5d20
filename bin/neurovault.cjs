#!/usr/bin/env node
'use strict';
// CommonJS on purpose: `--version`, a plain `--help`, `catalog path` and a repeat DOI lookup are answered
// without the ES module loader and the command tree (src/quick-answers.ts). Everything else runs the ES
// module bundle.
const { pathToFileURL } = require('node:url');
const { join } = require('node:path');

const root = pathToFileURL(join(__dirname, '..', '/'));
const runMain = () => import('../dist/bundle/main.js').then(({ main }) => main());
const answered = require('../dist/bundle/quick.cjs').answerQuickly(process.argv.slice(2), root);
if (answered === false) runMain();
else if (answered !== true) answered.then((done) => done || runMain());
