/**
 * Metric worker thread: re-creates a sample's pixel-metric accumulators from the registry and feeds them the
 * frames the measuring thread transfers to it. Values are computed by the same code as in-thread, on the
 * same bytes, so they are bit-identical. Errors stay per metric: a metric that throws in push() is not fed
 * again and reports its error at finish, while the others still produce values.
 */
import { parentPort } from 'node:worker_threads';
import { describeError, isTemporalCIError } from '../../errors.js';
import { FrameView } from '../../video/frame-view.js';
import { type FramePlanes, planesOf, storedPlaneFormat } from '../../video/planes.js';
import { FrameDerived } from '../frame-derived.js';
import { loadedMetric, loadMetric } from '../registry.js';
import type { MetricAccumulator } from '../types.js';
import { offThreadMetricNames } from './eligible.js';
import type { FromWorker, MetricOutcome, ToWorker, WorkerError } from './protocol.js';

interface Slot {
  name: string;
  acc: MetricAccumulator | undefined;
  error: WorkerError | undefined;
}

const port = parentPort;
if (port === null) throw new Error('metrics worker: must run as a worker thread');

function toError(e: unknown): WorkerError {
  const err: WorkerError = {
    code: isTemporalCIError(e) ? e.code : 'METRIC_FAILED',
    message: describeError(e),
  };
  if (isTemporalCIError(e) && e.hint !== undefined) err.hint = e.hint;
  return err;
}

// Every metric a worker may be asked for is imported before the first message is read (the port holds
// messages until its listener is attached), so 'open' creates accumulators synchronously, in message order.
await Promise.all(offThreadMetricNames().map((n) => loadMetric(n)));

const sessions = new Map<number, Slot[]>();

/** The planes a frame message carries, rebuilt over its transferred buffer. */
function storedPlanes(p: { format: string; data: Uint8Array }, width: number, height: number): FramePlanes {
  const format = storedPlaneFormat(p.format);
  if (format === undefined) throw new Error(`metrics worker: unknown plane format ${p.format}`);
  return planesOf(format, width, height, p.data);
}

function send(msg: FromWorker): void {
  port!.postMessage(msg);
}

async function finish(session: number, slots: Slot[]): Promise<void> {
  const outcomes: MetricOutcome[] = [];
  for (const s of slots) {
    if (s.error !== undefined || s.acc === undefined) {
      outcomes.push({
        name: s.name,
        ok: false,
        error: s.error ?? { code: 'INTERNAL', message: 'no accumulator' },
      });
      continue;
    }
    try {
      outcomes.push({ name: s.name, ok: true, values: await s.acc.finish() });
    } catch (e) {
      outcomes.push({ name: s.name, ok: false, error: toError(e) });
    }
  }
  send({ kind: 'result', session, outcomes });
}

port.on('message', (msg: ToWorker) => {
  switch (msg.kind) {
    case 'open': {
      try {
        // The session's metrics share one derived-data cache (resized luma, pyramids) per frame.
        const ctx = { ...msg.ctx, derived: new FrameDerived() };
        const slots: Slot[] = msg.metrics.map((m) => {
          const slot: Slot = { name: m.name, acc: undefined, error: undefined };
          try {
            const def = loadedMetric(m.registryName);
            if (def === undefined) throw new Error(`metrics worker: ${m.registryName} cannot run off-thread`);
            slot.acc = def.create(m.params, ctx);
          } catch (e) {
            slot.error = toError(e);
          }
          return slot;
        });
        sessions.set(msg.session, slots);
      } catch (e) {
        send({ kind: 'failed', session: msg.session, error: toError(e) });
      }
      return;
    }
    case 'frame': {
      const slots = sessions.get(msg.session);
      if (slots !== undefined) {
        let frame: FrameView | undefined;
        try {
          frame = new FrameView(
            { index: msg.index, width: msg.width, height: msg.height, format: 'rgb24', data: msg.rgb },
            msg.planes === undefined ? undefined : storedPlanes(msg.planes, msg.width, msg.height),
          );
        } catch (e) {
          // A frame the worker cannot rebuild fails every metric of the session, each at its finish.
          for (const s of slots) s.error ??= toError(e);
        }
        for (const s of slots) {
          if (frame === undefined || s.acc === undefined || s.error !== undefined) continue;
          try {
            s.acc.push(frame);
          } catch (e) {
            s.error = toError(e);
          }
        }
      }
      // Acked even for a closed session: the sender's credit count must not leak.
      send({ kind: 'ack', session: msg.session });
      return;
    }
    case 'finish': {
      const slots = sessions.get(msg.session);
      sessions.delete(msg.session);
      if (slots === undefined) {
        send({
          kind: 'failed',
          session: msg.session,
          error: { code: 'INTERNAL', message: 'unknown session' },
        });
        return;
      }
      void finish(msg.session, slots);
      return;
    }
    case 'close':
      sessions.delete(msg.session);
      return;
  }
});
