import { describe, expect, it } from 'vitest';
import { matchRestRoute } from './rest-routes';

describe('matchRestRoute', () => {
  it('names parameterised routes and decodes their parameters', () => {
    expect(matchRestRoute('GET', '/v1/workspaces/ws_1/membership')).toEqual({
      name: 'listMembership',
      params: { workspaceId: 'ws_1' },
      stream: undefined,
    });
    expect(matchRestRoute('POST', '/v1/workspaces/ws_1/membership')?.name).toBe('appendMembership');
    expect(matchRestRoute('GET', '/v1/workspaces/a%2Db/blobs/b1')).toEqual({
      name: 'downloadBlob',
      params: { workspaceId: 'a-b', blobId: 'b1' },
      stream: 'download',
    });
    expect(matchRestRoute('POST', '/v1/workspaces/w/blobs')?.stream).toBe('upload');
  });

  it('tells routes on the same path apart by method and ignores unknown paths', () => {
    expect(matchRestRoute('GET', '/v1/mailbox')?.name).toBe('fetchMailbox');
    expect(matchRestRoute('POST', '/v1/mailbox')?.name).toBe('sendMailbox');
    expect(matchRestRoute('DELETE', '/v1/mailbox')).toBeUndefined();
    expect(matchRestRoute('GET', '/v1/workspaces/w/membership/extra')).toBeUndefined();
    expect(matchRestRoute('GET', '/v1/workspaces/%E0%A4%A/membership')).toBeUndefined();
  });
});
