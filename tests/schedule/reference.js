// Answers CronReferenceTest's questions with the npm `cron-parser` package (v5).
// Usage: node reference.js <cron-parser package dir> <input.json> <output.json>
// input: {expressions: [string], cases: [{expression: index, zone, start: epoch ms, count}]}
// output: {version, parse: [null | error message] per expression,
//          cases: [{times: [epoch ms], error?: message}] per case}
'use strict'

const fs = require('fs')
const path = require('path')

const [packageDir, inputPath, outputPath] = process.argv.slice(2)
const { CronExpressionParser } = require(packageDir)
const input = JSON.parse(fs.readFileSync(inputPath, 'utf8'))

const message = (f) => {
  try {
    f()
    return null
  } catch (e) {
    return String(e.message)
  }
}

const output = {
  version: JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')).version,
  parse: input.expressions.map((e) => message(() => CronExpressionParser.parse(e))),
  cases: input.cases.map(({ expression, zone, start, count }) => {
    const times = []
    const error = message(() => {
      const cron = CronExpressionParser.parse(input.expressions[expression], {
        currentDate: new Date(start),
        tz: zone,
      })
      while (times.length < count) times.push(cron.next().getTime())
    })
    return error === null ? { times } : { times, error }
  }),
}
fs.writeFileSync(outputPath, JSON.stringify(output))
