// Signs JWTs for JwtTest with the npm `jsonwebtoken` package, as the GalaOS API does.
// Usage: node jwt-sign.js <jsonwebtoken package dir> <input.json> <output.json>
// input: {secret, tokens: [{payload, options, unsigned?}]} (unsigned: no key, for
// algorithm "none"); output: {tokens: [string]}.
'use strict';
const fs = require('fs');
const [dir, inputPath, outputPath] = process.argv.slice(2);
const jwt = require(dir);
const input = JSON.parse(fs.readFileSync(inputPath, 'utf8'));
const tokens = input.tokens.map((t) =>
  jwt.sign(t.payload, t.unsigned ? null : input.secret, t.options));
fs.writeFileSync(outputPath, JSON.stringify({ tokens }));
