/**
 * The server's refusals as the page sees them: a quota or a full mailbox (issue 15) keeps
 * its stable code and status, so the UI can say in the user's language what happened
 * instead of "the server answered with an error".
 */
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { RestError } from '../contracts';
import { toApiError } from './errors';

const log = pino({ level: 'silent' });

describe('toApiError', () => {
  it('keeps quota_exceeded (413) and mailbox_full (429) with their statuses', () => {
    expect(toApiError(new RestError('quota_exceeded', 'the attachment space left is 0 bytes', 413), log)).toMatchObject({ status: 413, code: 'quota_exceeded' });
    expect(toApiError(new RestError('mailbox_full', 'a recipient has too many unread items', 429), log)).toMatchObject({ status: 429, code: 'mailbox_full' });
    expect(toApiError(new RestError('rate_limited', "this person's prekeys were claimed too often", 429), log)).toMatchObject({ status: 429, code: 'rate_limited' });
  });

  it('still hides what the user cannot act on', () => {
    expect(toApiError(new RestError('internal', 'internal error', 500), log)).toMatchObject({ status: 502, code: 'server_error' });
  });
});
