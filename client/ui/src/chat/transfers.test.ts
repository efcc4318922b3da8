import { describe, expect, it } from 'vitest';
import { transferRows } from './transfers';
import type { LocalTransfer } from './transfers';

const up = (id: string, outcome: LocalTransfer['outcome'], startedAt: number): LocalTransfer => ({
  transferId: id,
  direction: 'upload',
  name: `${id}.pdf`,
  size: 1000,
  outcome,
  startedAt,
});

describe('transferRows', () => {
  it('joins progress events to the transfers of this page, newest first', () => {
    const progress = new Map([
      ['t1', { transferId: 't1', direction: 'upload' as const, name: 't1.pdf', doneBytes: 250, totalBytes: 1000 }],
      ['other', { transferId: 'other', direction: 'upload' as const, name: 'x', doneBytes: 1, totalBytes: 2 }],
    ]);
    const rows = transferRows([up('t1', 'running', 1), up('t2', 'running', 2)], progress);
    expect(rows.map((r) => [r.transferId, r.percent])).toEqual([
      ['t2', 0],
      ['t1', 25],
    ]);
  });

  it('shows a finished transfer complete and a failed one where it stopped', () => {
    const progress = new Map([['t1', { transferId: 't1', direction: 'upload' as const, name: 't1.pdf', doneBytes: 400, totalBytes: 1000 }]]);
    expect(transferRows([up('t1', 'done', 1)], progress)[0]).toMatchObject({ percent: 100, doneBytes: 1000 });
    expect(transferRows([up('t1', 'failed', 1)], progress)[0]).toMatchObject({ percent: 40, outcome: 'failed' });
  });

  it('tells the file size its message shows, not the padded size on the wire', () => {
    // The agent uploads the encrypted file padded to a size bucket: 1000 bytes travel as 4096.
    const progress = new Map([['t1', { transferId: 't1', direction: 'upload' as const, name: 't1.pdf', doneBytes: 4096, totalBytes: 4096 }]]);
    expect(transferRows([up('t1', 'done', 1)], progress)[0]).toMatchObject({ fileBytes: 1000, percent: 100 });
  });
});
