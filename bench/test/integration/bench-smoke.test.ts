// The benchmark in smoke mode (every step for about a second), so it cannot rot: it must run to
// the end and report a number for every measurement. No timing is judged here.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

describe('npm run bench -- --smoke', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs every measurement and writes JSON and markdown results', () => {
    const run = spawnSync(
      process.execPath,
      [path.join(__dirname, '..', '..', 'dist', 'run.js'), '--smoke', '--out', out],
      { encoding: 'utf8', timeout: 240_000 },
    );
    expect(run.stderr).not.toMatch(/Error|Warning/);
    expect(run.status).toBe(0);
    const results = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8'));
    for (const measured of [
      results.singlePost.service,
      results.singlePost.noopCeiling,
      results.batchPost.service,
      results.get.single,
      results.get.batch,
    ]) {
      expect(measured.messagesPerSec).toBeGreaterThan(0);
      expect(measured.non2xx).toBe(0);
      expect(measured.errors).toBe(0);
    }
    expect(results.batchPost.rawKafkaJs.messagesPerSec).toBeGreaterThan(0);
    expect(results.get.rawKafkaJs.messagesPerSec).toBeGreaterThan(0);
    expect(results.endToEnd.count).toBe(results.settings.e2eRate * results.settings.e2eSec);
    expect(results.memory.serviceBRssMb).toBeGreaterThan(0);
    expect(readFileSync(path.join(out, 'latest.md'), 'utf8')).toContain('| Ratio');
  });
});
