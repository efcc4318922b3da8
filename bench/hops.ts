/**
 * One edit's path hop by hop, between two idle agents whose profiles are on the real
 * disk (as on a user's machine): when the sender's `push` left, when its acknowledgement
 * came back, when the receiver got the `envelope` notice, and when the edit was in the
 * receiver's document — each counted from the local Yjs change.
 */
import { LOCAL_EDIT } from '@yhteispoyta/agent/sync/doc-origin';
import type { BenchAgent } from './agents';
import { sessionOf } from './agents';
import { median } from './stats';
import { TEXT_NAME } from './workload';

/** Medians, ms after the local change. */
export interface HopTimes {
  readonly samples: number;
  /** merge window, local durable writes and sealing: the push leaves */
  readonly pushSent: number;
  /** the server verified, stored and acknowledged it */
  readonly acked: number;
  /** the fanned-out envelope reached the receiver's socket */
  readonly noticed: number;
  /** verified, decrypted, stored and applied in the receiver's document */
  readonly applied: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Time `samples` single-character edits from `sender` to `receiver` in a workspace both hold. */
export async function measureHops(sender: BenchAgent, receiver: BenchAgent, workspaceId: string, samples: number): Promise<HopTimes> {
  const from = sessionOf(sender);
  const to = sessionOf(receiver);
  const docFrom = await from.parts.documents.open(workspaceId, 'doc:plan');
  const docTo = await to.parts.documents.open(workspaceId, 'doc:plan');
  await sleep(500);
  let t0 = 0;
  let marks: Partial<Record<'pushSent' | 'acked' | 'noticed' | 'applied', number>> = {};
  // Time the sender's pushes by wrapping its link's request on this one instance.
  const link = from.parts.link;
  const request = link.request.bind(link);
  const timed: typeof link.request = async (event, payload, timeoutMs) => {
    if (event === 'push') marks.pushSent ??= performance.now() - t0;
    const result = await request(event, payload, timeoutMs);
    if (event === 'push') marks.acked ??= performance.now() - t0;
    return result;
  };
  Object.assign(link, { request: timed });
  const offNotice = to.parts.link.onNotice('envelope', () => {
    marks.noticed ??= performance.now() - t0;
  });
  const onApplied = (): void => {
    marks.applied ??= performance.now() - t0;
  };
  docTo.on('afterTransaction', onApplied);
  const rows: Required<typeof marks>[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      marks = {};
      t0 = performance.now();
      docFrom.transact(() => docFrom.getText(TEXT_NAME).insert(0, 'x'), LOCAL_EDIT);
      const deadline = Date.now() + 10_000;
      while (marks.applied === undefined && Date.now() < deadline) await sleep(5);
      await sleep(150);
      const { pushSent, acked, noticed, applied } = marks;
      if (pushSent !== undefined && acked !== undefined && noticed !== undefined && applied !== undefined) rows.push({ pushSent, acked, noticed, applied });
    }
  } finally {
    Object.assign(link, { request });
    offNotice();
    docTo.off('afterTransaction', onApplied);
  }
  return {
    samples: rows.length,
    pushSent: median(rows.map((r) => r.pushSent)),
    acked: median(rows.map((r) => r.acked)),
    noticed: median(rows.map((r) => r.noticed)),
    applied: median(rows.map((r) => r.applied)),
  };
}
