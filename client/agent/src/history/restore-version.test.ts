import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { restoreVersion } from './restore-version';

function paragraph(text: string): Y.XmlElement {
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText(text)]);
  return p;
}

function action(id: string, what: string): Y.Map<unknown> {
  const map = new Y.Map<unknown>();
  map.set('id', id);
  map.set('what', new Y.Text(what));
  map.set('status', 'planned');
  return map;
}

function plan(doc: Y.Doc): { text: string; actions: unknown; meta: unknown } {
  return { text: doc.getXmlFragment('default').toString(), actions: doc.getArray('actions').toJSON(), meta: doc.getMap('meta').toJSON() };
}

/** Two replicas that exchange every update. */
function pair(): [Y.Doc, Y.Doc] {
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.on('update', (u: Uint8Array, origin: unknown) => origin !== 'peer' && Y.applyUpdate(b, u, 'peer'));
  b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'peer' && Y.applyUpdate(a, u, 'peer'));
  return [a, b];
}

describe('restoreVersion', () => {
  it('turns the live document into the version by an edit the other replica merges', () => {
    const [live, peer] = pair();
    live.transact(() => {
      live.getXmlFragment('default').insert(0, [paragraph('Tilanne'), paragraph('Palvelutarve')]);
      live.getArray('actions').push([action('a1', 'Hakemus Kelaan')]);
      live.getMap('meta').set('templateInserted', true);
    });
    const version = Y.encodeStateAsUpdate(live);
    const wanted = plan(live);

    peer.transact(() => {
      peer.getXmlFragment('default').insert(1, [paragraph('Väliin kirjoitettu')]);
      peer.getXmlFragment('default').delete(0, 1);
      peer.getArray('actions').push([action('a2', 'Uusi')]);
      peer.getMap('meta').set('extra', 1);
    });
    expect(plan(live)).not.toEqual(wanted);

    const origin = { source: 'browser' };
    const updates: unknown[] = [];
    live.on('update', (_u: Uint8Array, o: unknown) => updates.push(o));
    expect(restoreVersion(live, version, origin)).toBe(true);
    expect(plan(live)).toEqual(wanted);
    expect(plan(peer)).toEqual(wanted);
    // One ordinary transaction with the caller's origin: sealed and sent like typing.
    expect(updates).toEqual([origin]);
  });

  it('leaves unchanged paragraphs alone and reports no change for the current version', () => {
    const live = new Y.Doc();
    live.getXmlFragment('default').insert(0, [paragraph('Yksi'), paragraph('Kaksi'), paragraph('Kolme')]);
    const first = live.getXmlFragment('default').get(0);
    const version = Y.encodeStateAsUpdate(live);
    expect(restoreVersion(live, version, 'x')).toBe(false);
    (live.getXmlFragment('default').get(1) as Y.XmlElement).insert(1, [new Y.XmlText(' muutettu')]);
    expect(restoreVersion(live, version, 'x')).toBe(true);
    expect(live.getXmlFragment('default').toString()).toBe('<paragraph>Yksi</paragraph><paragraph>Kaksi</paragraph><paragraph>Kolme</paragraph>');
    // The first paragraph is the same item: someone typing there meanwhile keeps his text.
    expect(live.getXmlFragment('default').get(0)).toBe(first);
  });
});
