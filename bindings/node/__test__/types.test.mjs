// The TypeScript declarations (index.d.ts, concierge.d.ts) type-check a strict program that
// uses them, and reject the mistakes marked `@ts-expect-error` in __test__/typecheck.ts (R-SDK-5).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

// R-SDK-5
test('tsc -p tsconfig.json (strict, noEmit) finds no error in typecheck.ts or the declarations', () => {
  let output = ''
  try {
    execFileSync('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], { cwd: root, encoding: 'utf8', stdio: 'pipe' })
  } catch (e) {
    output = `${e.stdout ?? ''}${e.stderr ?? ''}` || String(e)
  }
  assert.equal(output, '', `tsc reported:\n${output}`)
})
