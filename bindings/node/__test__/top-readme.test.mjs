// The Node block of the repository's README.md runs as written, as an ES module of an
// application that installed '@concierge/sdk' (linked here), and prints what it says.
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

test('the README has one Node block', () => {
  assert.equal(blocks.length, 1)
})

test('the README Node quick start runs and prints "live"', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concierge-top-readme-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.mkdirSync(path.join(dir, 'node_modules', '@concierge'), { recursive: true })
  fs.symlinkSync(pkg, path.join(dir, 'node_modules', '@concierge', 'sdk'), 'dir')
  const file = path.join(dir, 'quick-start.mjs')
  fs.writeFileSync(file, blocks[0])
  const out = execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 60_000 })
  assert.deepEqual(out.trim().split('\n'), ['live', 'Ada'])
})
