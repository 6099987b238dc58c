// The Node blocks of the repository's README.md run as written, as ES modules of an
// application that installed '@concierge/sdk' (linked here), and print what they say.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const pkg = fileURLToPath(new URL('..', import.meta.url))
const readme = fs.readFileSync(path.join(pkg, '..', '..', 'README.md'), 'utf8')
const blocks = [...readme.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1])

test('the README has two Node blocks: the quick start and visitors', () => {
  assert.equal(blocks.length, 2)
})

/** Runs README block `index` in an application directory; returns its output lines. */
function run(t, index) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concierge-top-readme-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.mkdirSync(path.join(dir, 'node_modules', '@concierge'), { recursive: true })
  fs.symlinkSync(pkg, path.join(dir, 'node_modules', '@concierge', 'sdk'), 'dir')
  const file = path.join(dir, `block-${index}.mjs`)
  fs.writeFileSync(file, blocks[index])
  const out = execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 60_000 })
  return out.trim().split('\n')
}

test('the README Node quick start runs and prints "live"', (t) => {
  assert.deepEqual(run(t, 0), ['live', 'Ada'])
})

// R-VISIT-3
test('the README Node visitors block runs and prints the pass in local time and UTC', (t) => {
  assert.deepEqual(run(t, 1), ['2026-01-06 14:00 AEDT', '2026-01-06T03:00:00.000Z'])
})
