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
    ]) {
      expect(measured.messagesPerSec).toBeGreaterThan(0);
      expect(measured.non2xx).toBe(0);
      expect(measured.errors).toBe(0);
    }
    const { get } = results;
    for (const consumed of [
      get.batch100,
      get.batch500,
      get.ceiling100,
      get.ceiling500,
      get.processes,
      get.single,
      get.sse,
    ]) {
      expect(consumed.messagesPerSec).toBeGreaterThan(0);
      expect(consumed.failures).toBe(0);
    }
    expect(results.batchPost.rawKafkaJs.messagesPerSec).toBeGreaterThan(0);
    expect(get.rawKafkaJs.messagesPerSec).toBeGreaterThan(0);
    const sent = results.settings.e2eRate * results.settings.e2eSec;
    expect(results.endToEnd.service.count).toBeGreaterThanOrEqual(sent);
    expect(results.endToEnd.rawKafkaJs.count).toBeGreaterThanOrEqual(sent);
    expect(results.endToEnd.rawKafkaJsNoCommit.count).toBeGreaterThanOrEqual(sent);
    expect(results.memory.idleMb).toBeGreaterThan(0);
    expect(results.memory.servingMb).toBeGreaterThan(0);
    expect(results.peers).toEqual([]);
    expect(readFileSync(path.join(out, 'latest.md'), 'utf8')).toContain('| Ratio');
  });
});
