import { describe, expect, it } from 'vitest';
import { kindOf, subjectOf } from './processing-labels';

describe('processing labels', () => {
  it('names what the client asks about and leaves the server bookkeeping out', () => {
    expect(kindOf({ action: 'document_open' })).toBe('opened');
    expect(kindOf({ action: 'export' })).toBe('exported');
    expect(kindOf({ action: 'blob_download' })).toBe('downloaded');
    expect(kindOf({ action: 'mailbox_send' })).toBeUndefined();
    expect(subjectOf({ action: 'export', detail: { what: 'plan', format: 'pdf' } })).toBe('plan · PDF');
    expect(subjectOf({ action: 'membership_append', detail: { type: 'grant_consent', seq: '3' } })).toBe('membership:grant_consent');
  });
});
