/**
 * What the transfer list shows: the transfers this page started (upload or download,
 * with their outcome) joined with the agent's progress events for them. Progress is the
 * agent's encrypted upload to, or verified download from, the central server; a
 * transfer is only "done" when the page's own request finished too.
 */
import type { TransferProgress } from '@yhteispoyta/local-api';
import { percent } from '../lib/format';

/** A transfer this page started. */
export interface LocalTransfer {
  readonly transferId: string;
  readonly direction: 'upload' | 'download';
  readonly name: string;
  readonly size: number;
  readonly outcome: 'running' | 'done' | 'failed';
  readonly startedAt: number;
}

/** One row of the transfer list. */
export interface TransferRow extends LocalTransfer {
  readonly doneBytes: number;
  /** bytes on the wire: the encrypted attachment padded to its size bucket, so more than the file */
  readonly totalBytes: number;
  /** the file's own size, the one its message shows (never the padded size on the wire) */
  readonly fileBytes: number;
  /** 0..100 */
  readonly percent: number;
}

/** Rows for the list, newest first. A finished transfer shows 100 % whatever the last event said. */
export function transferRows(local: Iterable<LocalTransfer>, progress: ReadonlyMap<string, TransferProgress>): TransferRow[] {
  const rows: TransferRow[] = [];
  for (const transfer of local) {
    const seen = progress.get(transfer.transferId);
    const totalBytes = seen?.totalBytes ?? transfer.size;
    const doneBytes = transfer.outcome === 'done' ? totalBytes : Math.min(seen?.doneBytes ?? 0, totalBytes);
    rows.push({ ...transfer, doneBytes, totalBytes, fileBytes: transfer.size, percent: transfer.outcome === 'done' ? 100 : percent(doneBytes, totalBytes) });
  }
  return rows.sort((a, b) => b.startedAt - a.startedAt);
}
