import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, runCli, tempDir, tinySuite } from '../support/cli.js';

/**
 * A command model gets a token through `env` and echoes it (stdout and stderr), on samples that succeed
 * and on one that fails (so the log tail travels into the error, run.json, the report and JUnit). Through
 * the built CLI, the token must appear in no file under the artifacts folder, in neither the JUnit nor the
 * --output-json file, and in neither stdout nor stderr.
 */
const TOKEN = 'tci-cmd-secret-7e3a90b1';
let dir: string;

beforeAll(async () => {
  dir = await tempDir('tci-cmd-secret-');
  const clip = path.join(dir, 'clip.mp4');
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=8', '-frames:v', '6'],
    ...['-pix_fmt', 'yuv420p', clip],
  ]);
  // The token is echoed whole, and split across two writes (a pipe may deliver it in two chunks).
  await fs.writeFile(
    path.join(dir, 'model.sh'),
    `#!/bin/sh
echo "model starting with token $MODEL_TOKEN"
printf 'half %s' "$(printf %s "$MODEL_TOKEN" | cut -c1-8)"; printf '%s\\n' "$(printf %s "$MODEL_TOKEN" | cut -c9-)"
echo "auth: Bearer $MODEL_TOKEN" >&2
if [ "$2" = "1" ] && [ "$3" = "a slow pan over a lake" ]; then echo "failing, token $MODEL_TOKEN" >&2; exit 3; fi
cp "${path.join(dir, 'clip.mp4')}" "$1"
`,
    { mode: 0o755 },
  );
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('command model with an env token, through the CLI', () => {
  it('passes the token to the model and writes it nowhere', async () => {
    const suite = path.join(dir, 'suite.yaml');
    await fs.writeFile(
      suite,
      tinySuite({
        models: `  - name: local
    adapter: command
    params:
      argv: ["./model.sh", "{output}", "{seed}", "{prompt}"]
      env: {MODEL_TOKEN: "\${TCI_CMD_TOKEN}"}`,
      }),
    );
    const artifacts = path.join(dir, 'artifacts');
    const junit = path.join(dir, 'junit.xml');
    const outJson = path.join(dir, 'out.json');
    const r = await runCli(
      [
        ...['run', suite, '--baseline-mode', 'none', '--artifacts-dir', artifacts],
        ...['--junit', junit, '--output-json', outJson, '--retries', '0'],
      ],
      { env: { TCI_CMD_TOKEN: TOKEN } },
    );
    const files = [...(await filesUnder(artifacts)), junit, outJson];
    expect(
      files.some((f) => f.endsWith('run.json')),
      r.stdout + r.stderr,
    ).toBe(true);
    expect(files.some((f) => f.endsWith('report.html'))).toBe(true);
    const logs = files.filter((f) => f.endsWith('adapter.log'));
    expect(logs.length).toBe(4);
    // The model did get the token: the log says so, redacted.
    const log = readFileSync(logs[0] ?? '', 'utf8');
    expect(log).toContain('model starting with token [redacted]');
    expect(log).toContain('half [redacted]');
    // The failing sample's log tail reached the records (so the check below means something).
    const samples = files.find((f) => f.endsWith('samples.jsonl')) ?? '';
    expect(readFileSync(samples, 'utf8')).toContain('failing, token [redacted]');
    for (const f of files) {
      expect(readFileSync(f).includes(TOKEN), `${f} contains the token`).toBe(false);
    }
    expect(r.stdout.includes(TOKEN), r.stdout).toBe(false);
    expect(r.stderr.includes(TOKEN), r.stderr).toBe(false);
  });
});
