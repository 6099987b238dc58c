// Every code block of bindings/node/README.md runs (R-SDK-5): each ```js block as an ES module
// that imports '@concierge/sdk' as an application would; the ```sh build block when
// CONCIERGE_README_BUILD=1 (it rebuilds the addon other test files have loaded).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const pkg = fileURLToPath(new URL('..', import.meta.url))
const readme = fs.readFileSync(path.join(pkg, 'README.md'), 'utf8')
const blocks = [...readme.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], code: m[2] }))

test('the README has code blocks, all js or sh', () => {
  assert.ok(blocks.filter((b) => b.lang === 'js').length >= 5)
  assert.deepEqual([...new Set(blocks.map((b) => b.lang))].sort(), ['js', 'sh'])
})

blocks.forEach((block, i) => {
  const first = block.code.split('\n').find((l) => l.startsWith('const ') || l.startsWith('cd ')) ?? ''
  if (block.lang === 'js') {
    test(`README block ${i + 1} (js) runs: ${first.slice(0, 60)}`, (t) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concierge-readme-'))
      t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
      // An application folder with the package installed (linked).
      fs.mkdirSync(path.join(dir, 'node_modules', '@concierge'), { recursive: true })
      fs.symlinkSync(pkg, path.join(dir, 'node_modules', '@concierge', 'sdk'), 'dir')
      const file = path.join(dir, `block-${i + 1}.mjs`)
      fs.writeFileSync(file, block.code)
      const out = execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 60_000 })
      // Every `// "…"` comment after a console.log is what the line prints.
      const expected = [...block.code.matchAll(/console\.log\(.*\/\/ "(.*)"$/gm)].map((m) => m[1])
      const printed = out.split('\n')
      for (const line of expected) assert.ok(printed.includes(line), `prints ${JSON.stringify(line)}; got:\n${out}`)
    })
  } else {
    test(`README block ${i + 1} (sh) builds the binding from a clone`, (t) => {
      if (process.env.CONCIERGE_README_BUILD !== '1') {
        t.skip('set CONCIERGE_README_BUILD=1: rebuilding the addon while other test files use it is unsafe')
        return
      }
      const repo = path.resolve(pkg, '..', '..')
      const out = execFileSync('bash', ['-euo', 'pipefail', '-c', block.code], { cwd: repo, encoding: 'utf8', timeout: 900_000 })
      assert.match(out, /built\n?$/)
    })
  }
})
