import { setTimeout as sleep } from 'node:timers/promises';
import { TemporalCIError } from '../errors.js';
import { terminateGroup } from '../platform/process-group.js';
import type { SoakConfig } from './config.js';
import { lockHolder, releaseLock } from './lock.js';
import { holderState } from './proc.js';
import {
  type CycleRecord,
  files,
  type Health,
  judgeHealth,
  readJsonLines,
  readStatus,
  type SoakStatus,
  writeStatus,
} from './state.js';

/** `soak status`, `soak stop`, `soak repair`: each acts on the lock's holder only once it is verified. */

export interface StatusReport extends Health {
  holder: 'alive' | 'dead' | 'reused' | 'none';
  status_age_s: number | null;
  status: SoakStatus | null;
}

export async function soakStatus(config: SoakConfig, nowMs = Date.now()): Promise<StatusReport> {
  const status = await readStatus(config.stateDir);
  const held = await lockHolder(config.stateDir);
  const holder = held?.state ?? 'none';
  const age = status === null ? null : (nowMs - Date.parse(status.updated_utc)) / 1000;
  const cycles = await readJsonLines<CycleRecord>(files(config.stateDir).cycles);
  const health = judgeHealth(
    status,
    holder,
    age ?? 0,
    config.staleAfterS,
    cycles.every((c) => c.as_expected),
  );
  return { ...health, holder, status_age_s: age === null ? null : Math.round(age * 10) / 10, status };
}

export interface StopResult {
  signalled: boolean;
  message: string;
}

/** SIGTERM to the verified holder, then waits for it to remove its lock. Idempotent: no holder, nothing to do. */
export async function soakStop(config: SoakConfig, waitS = 60): Promise<StopResult> {
  const held = await lockHolder(config.stateDir);
  if (held === null) return { signalled: false, message: 'the soak is not running' };
  const { lock, state } = held;
  if (state !== 'alive') {
    const why =
      state === 'reused' ? `pid ${lock.pid} now belongs to another process` : `pid ${lock.pid} has ended`;
    return {
      signalled: false,
      message: `the soak is not running: ${why}; nothing was signalled (run \`temporalci soak repair\` to clean up)`,
    };
  }
  process.kill(lock.pid, 'SIGTERM');
  for (let waited = 0; waited < waitS * 1000; waited += 100) {
    if ((await lockHolder(config.stateDir)) === null)
      return { signalled: true, message: `stopped the soak (pid ${lock.pid})` };
    await sleep(100);
  }
  throw new TemporalCIError(
    'INTERNAL',
    `the soak (pid ${lock.pid}) did not stop within ${waitS} s of SIGTERM`,
    {
      hint: 'its cycle may be finishing a write; run `temporalci soak stop` again, or check the process with `ps`',
    },
  );
}

export interface RepairResult {
  repaired: boolean;
  message: string;
  stoppedChildren: number[];
}

/**
 * Only when the holder is verifiably dead: stops the cycles it left running (each verified by its own
 * start time, so a reused pid is never signalled), marks the status `crashed` (its current cycles are kept,
 * so the next `soak` resumes them) and removes the lock.
 */
export async function soakRepair(config: SoakConfig): Promise<RepairResult> {
  const held = await lockHolder(config.stateDir);
  if (held?.state === 'alive') {
    throw new TemporalCIError(
      'STORE_LOCKED',
      `the soak supervisor is alive (pid ${held.lock.pid}); nothing to repair`,
      {
        hint: 'stop it with `temporalci soak stop --config …` if it should not run',
      },
    );
  }
  const status = await readStatus(config.stateDir);
  const stopped: number[] = [];
  for (const job of status?.jobs ?? []) {
    const child = job.current?.child;
    if (child && (await holderState(child)) === 'alive') {
      await terminateGroup(child.pid, 10_000);
      stopped.push(child.pid);
    }
  }
  const dirty =
    held !== null || (status !== null && !['stopped', 'finished', 'crashed'].includes(status.phase));
  if (!dirty) return { repaired: false, message: 'nothing to repair', stoppedChildren: stopped };
  if (status !== null) {
    for (const job of status.jobs) if (job.current) job.current.child = null;
    await writeStatus(config.stateDir, {
      ...status,
      phase: 'crashed',
      updated_utc: new Date().toISOString(),
    });
  }
  await releaseLock(config.stateDir);
  const what = held === null ? 'marked the status crashed' : `removed the lock of dead pid ${held.lock.pid}`;
  return {
    repaired: true,
    message: `${what}; the next \`temporalci soak\` resumes the interrupted cycles`,
    stoppedChildren: stopped,
  };
}
