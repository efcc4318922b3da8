/** Desktop notifications: which messages and records deserve one, and what it may say. */
import { describe, expect, it } from 'vitest';
import { addressedToSelf, chatNotification } from './notify';

const phrases = {
  message: (a: string) => `Uusi viesti: ${a}`,
  mention: (a: string) => `${a} mainitsi sinut`,
  contents: (w: string, t: string) => `${w}: ${t}`,
};
const message = { id: 'm1', workspaceId: 'w1', authorUserId: 'u-anna', text: 'Salainen asia', deleted: false, edited: false };
const context = { selfUserId: 'u-me', reading: false, mentioned: false, showContents: false, authorName: 'Anna', workspaceLabel: 'Jani, 24 v' };

describe('chatNotification', () => {
  it('says who wrote, but neither the workspace nor the text unless contents are shown', () => {
    expect(chatNotification(message, context, phrases)).toEqual({ title: 'Uusi viesti: Anna', tag: 'chat:w1' });
    expect(chatNotification(message, { ...context, showContents: true }, phrases)).toEqual({
      title: 'Uusi viesti: Anna',
      body: 'Jani, 24 v: Salainen asia',
      tag: 'chat:w1',
    });
  });
  it('says a mention is one', () => {
    expect(chatNotification(message, { ...context, mentioned: true }, phrases)?.title).toBe('Anna mainitsi sinut');
  });
  it('stays silent for own, deleted and edited messages, and while the chat is being read', () => {
    expect(chatNotification({ ...message, authorUserId: 'u-me' }, context, phrases)).toBeUndefined();
    expect(chatNotification({ ...message, deleted: true }, context, phrases)).toBeUndefined();
    expect(chatNotification({ ...message, edited: true }, context, phrases)).toBeUndefined();
    expect(chatNotification(message, { ...context, reading: true }, phrases)).toBeUndefined();
  });
  it('shortens a long text', () => {
    const body = chatNotification({ ...message, text: 'x'.repeat(500) }, { ...context, showContents: true }, phrases)?.body ?? '';
    expect(body.length).toBeLessThan(140);
    expect(body.endsWith('…')).toBe(true);
  });
});

describe('addressedToSelf', () => {
  const self = { userId: 'u-me', orgId: 'o-kela' };
  it('takes requests to the person or his organisation and concern notices to his organisation', () => {
    expect(addressedToSelf({ kind: 'request', to: { kind: 'member', userId: 'u-me' }, authorUserId: 'u-a' }, self)).toBe(true);
    expect(addressedToSelf({ kind: 'request', to: { kind: 'org', orgId: 'o-kela' }, authorUserId: 'u-a' }, self)).toBe(true);
    expect(addressedToSelf({ kind: 'concern', toOrgId: 'o-kela', authorUserId: 'u-a' }, self)).toBe(true);
  });
  it('leaves out records to others, other kinds and his own', () => {
    expect(addressedToSelf({ kind: 'request', to: { kind: 'org', orgId: 'o-other' }, authorUserId: 'u-a' }, self)).toBe(false);
    expect(addressedToSelf({ kind: 'concern', toOrgId: 'o-other', authorUserId: 'u-a' }, self)).toBe(false);
    expect(addressedToSelf({ kind: 'other', authorUserId: 'u-a' }, self)).toBe(false);
    expect(addressedToSelf({ kind: 'request', to: { kind: 'org', orgId: 'o-kela' }, authorUserId: 'u-me' }, self)).toBe(false);
  });
});
