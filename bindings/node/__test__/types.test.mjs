// The generated TypeScript declarations (index.d.ts) type-check a typical program (R-SDK-5).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url))

// R-SDK-5
test('a strict TypeScript program using every kind of record and error type-checks', () => {
  const args = [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext',
    '--moduleResolution', 'nodenext', 'typecheck.ts']
  let output = ''
  try {
    execFileSync(process.execPath, args, { cwd: here, encoding: 'utf8' })
  } catch (e) {
    output = `${e.stdout}${e.stderr}`
  }
  assert.equal(output, '')
})
