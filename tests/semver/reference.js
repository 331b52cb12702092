// Answers SemverReferenceTest's questions with the npm `semver` package.
// Usage: node reference.js <semver package dir> <input.json> <output.json>
// input: {versions: [string], ranges: [string], compare: [[i, j]], satisfies: [[version, range]]}
// output: one array of answers per question, in input order; null where npm throws or
// answers null.
'use strict'

const fs = require('fs')
const path = require('path')

const [semverDir, inputPath, outputPath] = process.argv.slice(2)
const semver = require(semverDir)
const input = JSON.parse(fs.readFileSync(inputPath, 'utf8'))

const orNull = (f) => {
  try {
    return f()
  } catch {
    return null
  }
}

const loose = { loose: true }
const includePrerelease = { includePrerelease: true }
// semver.satisfies(v, r, options) is `new Range(r, options).test(v)`, false when the range
// throws; each range is built once here instead of once per version.
const satisfiesWith = (options) => {
  const ranges = input.ranges.map((r) => orNull(() => new semver.Range(r, options)))
  return input.satisfies.map(([v, r]) => ranges[r] !== null && ranges[r].test(input.versions[v]))
}

const output = {
  semverVersion: JSON.parse(fs.readFileSync(path.join(semverDir, 'package.json'), 'utf8')).version,
  valid: input.versions.map((v) => semver.valid(v)),
  validLoose: input.versions.map((v) => semver.valid(v, loose)),
  compare: input.compare.map(([a, b]) =>
    orNull(() => semver.compare(input.versions[a], input.versions[b]))),
  validRange: input.ranges.map((r) => semver.validRange(r)),
  validRangeLoose: input.ranges.map((r) => semver.validRange(r, loose)),
  validRangeIncludePrerelease: input.ranges.map((r) => semver.validRange(r, includePrerelease)),
  satisfies: satisfiesWith(undefined),
  satisfiesLoose: satisfiesWith(loose),
  satisfiesIncludePrerelease: satisfiesWith(includePrerelease),
}
fs.writeFileSync(outputPath, JSON.stringify(output))
