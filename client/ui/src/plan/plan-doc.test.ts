import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  PLAN_ACTIONS,
  PLAN_FRAGMENT,
  PLAN_META,
  TEMPLATE_FLAG,
  TEMPLATE_LANGUAGE,
  actionText,
  addAction,
  addActionFromDecision,
  decisionActionId,
  applyTextChange,
  editActionText,
  insertTemplateOnce,
  readActions,
  removeAction,
  shiftThroughDelta,
  updateAction,
} from './plan-doc';

const sections = [
  { heading: 'Asiakkaan tilanne omin sanoin', guidance: 'Miten asiakas kuvaa tilannettaan?' },
  { heading: 'Palvelutarve', guidance: 'Mitä palveluja tarvitaan?' },
];

/** Two replicas that exchange every update, as two browsers through their agents. */
function pair(): [Y.Doc, Y.Doc] {
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.on('update', (u: Uint8Array, origin: unknown) => origin !== 'peer' && Y.applyUpdate(b, u, 'peer'));
  b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'peer' && Y.applyUpdate(a, u, 'peer'));
  return [a, b];
}

function headings(doc: Y.Doc): string[] {
  return doc
    .getXmlFragment(PLAN_FRAGMENT)
    .toArray()
    .filter((n): n is Y.XmlElement => n instanceof Y.XmlElement && n.nodeName === 'heading')
    .map((n) => n.toArray().map((t) => (t instanceof Y.XmlText ? t.toString() : '')).join(''));
}

describe('insertTemplateOnce', () => {
  it('writes level-2 headings with guidance and sets the flag in the same transaction', () => {
    const doc = new Y.Doc();
    let transactions = 0;
    doc.on('afterTransaction', () => transactions++);
    expect(insertTemplateOnce(doc, sections)).toBe(true);
    expect(transactions).toBe(1);
    expect(headings(doc)).toEqual(['Asiakkaan tilanne omin sanoin', 'Palvelutarve']);
    const first = doc.getXmlFragment(PLAN_FRAGMENT).get(0) as Y.XmlElement;
    expect(first.getAttribute('level')).toBe(2);
    expect(doc.getXmlFragment(PLAN_FRAGMENT).length).toBe(4);
    expect(doc.getMap(PLAN_META).get(TEMPLATE_FLAG)).toBe(true);
  });

  it('does nothing a second time, on a replica that received it, or over existing text', () => {
    const [a, b] = pair();
    expect(insertTemplateOnce(a, sections)).toBe(true);
    expect(insertTemplateOnce(a, sections)).toBe(false);
    expect(insertTemplateOnce(b, sections)).toBe(false);
    expect(headings(b)).toEqual(headings(a));

    const written = new Y.Doc();
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText('Jo kirjoitettu')]);
    written.getXmlFragment(PLAN_FRAGMENT).insert(0, [paragraph]);
    expect(insertTemplateOnce(written, sections)).toBe(false);
    expect(written.getXmlFragment(PLAN_FRAGMENT).length).toBe(1);
  });
});

describe('agreed actions', () => {
  const base = { what: 'Hakemus kuntoutusrahasta', owner: 'Kalle', organisation: 'Kela', due: '2026-12-01', status: 'planned' as const };

  it('are added, edited field by field and removed', () => {
    const doc = new Y.Doc();
    addAction(doc, { id: 'a1', ...base }, 1000);
    addAction(doc, { id: 'a2', ...base, what: 'Verkostoneuvottelu' }, 2000);
    expect(readActions(doc)).toEqual({ items: [{ id: 'a1', ...base, createdAt: 1000 }, { id: 'a2', ...base, what: 'Verkostoneuvottelu', createdAt: 2000 }], unreadable: 0 });

    expect(updateAction(doc, 'a1', 'status', 'in_progress')).toBe(true);
    expect(updateAction(doc, 'a1', 'due', '')).toBe(true);
    expect(readActions(doc).items[0]).toMatchObject({ status: 'in_progress', due: '' });

    expect(updateAction(doc, 'a1', 'status', 'lost')).toBe(false);
    expect(updateAction(doc, 'a1', 'due', '1.12.2026')).toBe(false);
    expect(editActionText(doc, 'nope', 'what', 'x')).toBe(false);
    expect(readActions(doc).items[0]).toMatchObject({ status: 'in_progress', due: '' });

    expect(removeAction(doc, 'a1')).toBe(true);
    expect(removeAction(doc, 'a1')).toBe(false);
    expect(readActions(doc).items.map((i) => i.id)).toEqual(['a2']);
  });

  it('merge concurrent edits of different fields and different actions', () => {
    const [a, b] = pair();
    addAction(a, { id: 'a1', ...base });
    // Both replicas go offline, edit, and come back: the updates are exchanged afterwards.
    const offA = new Y.Doc();
    const offB = new Y.Doc();
    Y.applyUpdate(offA, Y.encodeStateAsUpdate(a));
    Y.applyUpdate(offB, Y.encodeStateAsUpdate(b));
    editActionText(offA, 'a1', 'owner', 'Sini');
    updateAction(offB, 'a1', 'status', 'done');
    addAction(offB, { id: 'b1', ...base, what: 'Lausunto Kelalle' });
    Y.applyUpdate(offA, Y.encodeStateAsUpdate(offB));
    Y.applyUpdate(offB, Y.encodeStateAsUpdate(offA));
    expect(readActions(offA)).toEqual(readActions(offB));
    expect(readActions(offA).items).toMatchObject([{ id: 'a1', owner: 'Sini', status: 'done' }, { id: 'b1', what: 'Lausunto Kelalle' }]);
  });

  it('count entries another member wrote in a foreign shape instead of showing them', () => {
    const doc = new Y.Doc();
    addAction(doc, { id: 'a1', ...base });
    const bad = new Y.Map<unknown>();
    bad.set('id', 'x');
    bad.set('status', 'whatever');
    doc.getArray(PLAN_ACTIONS).push([bad, 'just a string']);
    expect(readActions(doc)).toMatchObject({ items: [{ id: 'a1' }], unreadable: 2 });
  });

  it('cut over-long text and refuse a malformed new action', () => {
    const doc = new Y.Doc();
    addAction(doc, { id: 'a1', ...base, what: 'x'.repeat(2000) });
    expect(readActions(doc).items[0]?.what).toHaveLength(500);
    expect(() => addAction(doc, { id: 'bad id!', ...base })).toThrow();
  });

  it('keep both people’s text when they type into the same cell at the same time, online or offline', () => {
    const [a, b] = pair();
    addAction(a, { id: 'a1', ...base, what: 'Hakemus' });
    // Online: keystrokes interleave, each written at once.
    for (const [ch, other] of [[' A', ' B'], ['1', '2']] as const) {
      editActionText(a, 'a1', 'what', `${readActions(a).items[0]?.what ?? ''}${ch}`);
      editActionText(b, 'a1', 'what', `${readActions(b).items[0]?.what ?? ''}${other}`);
    }
    const online = readActions(a).items[0]?.what ?? '';
    expect(readActions(b).items[0]?.what).toBe(online);
    for (const part of [' A', ' B', '1', '2']) expect(online).toContain(part);
    // Offline: both append to the cell and meet later.
    const offA = new Y.Doc();
    const offB = new Y.Doc();
    Y.applyUpdate(offA, Y.encodeStateAsUpdate(a));
    Y.applyUpdate(offB, Y.encodeStateAsUpdate(b));
    editActionText(offA, 'a1', 'what', `${online} (Sini)`);
    editActionText(offB, 'a1', 'what', `Kiireellinen: ${online}`);
    Y.applyUpdate(offA, Y.encodeStateAsUpdate(offB));
    Y.applyUpdate(offB, Y.encodeStateAsUpdate(offA));
    expect(readActions(offA).items[0]?.what).toBe(`Kiireellinen: ${online} (Sini)`);
    expect(readActions(offB).items[0]?.what).toBe(`Kiireellinen: ${online} (Sini)`);
  });

  it('read a text field an earlier version wrote as a plain string, and make it collaborative text at its first edit', () => {
    const doc = new Y.Doc();
    const legacy = new Y.Map<unknown>();
    for (const [key, value] of Object.entries({ id: 'old', ...base, createdAt: 1 })) legacy.set(key, value);
    doc.getArray(PLAN_ACTIONS).push([legacy]);
    expect(readActions(doc).items[0]).toMatchObject({ id: 'old', what: 'Hakemus kuntoutusrahasta' });
    expect(actionText(doc, 'old', 'what')).toBeUndefined();
    expect(editActionText(doc, 'old', 'what', 'Hakemus kuntoutusrahasta ja liitteet')).toBe(true);
    expect(actionText(doc, 'old', 'what')?.toString()).toBe('Hakemus kuntoutusrahasta ja liitteet');
    expect(readActions(doc).items[0]?.what).toBe('Hakemus kuntoutusrahasta ja liitteet');
  });

  it('cut typed text at the limit', () => {
    const doc = new Y.Doc();
    addAction(doc, { id: 'a1', ...base });
    editActionText(doc, 'a1', 'owner', 'y'.repeat(900));
    expect(readActions(doc).items[0]?.owner).toHaveLength(500);
  });
});

describe('applyTextChange', () => {
  const change = (prev: string, next: string) => {
    const doc = new Y.Doc();
    const text = doc.getText('t');
    text.insert(0, prev);
    const deltas: unknown[] = [];
    text.observe((event) => deltas.push(event.delta));
    applyTextChange(text, next);
    return { result: text.toString(), deltas };
  };

  it('writes only the changed middle', () => {
    expect(change('Hakemus', 'Hakemus A')).toEqual({ result: 'Hakemus A', deltas: [[{ retain: 7 }, { insert: ' A' }]] });
    expect(change('Hakemus A', 'Hakemus')).toEqual({ result: 'Hakemus', deltas: [[{ retain: 7 }, { delete: 2 }]] });
    expect(change('abcabc', 'abXc').result).toBe('abXc');
    expect(change('same', 'same').deltas).toEqual([]);
  });

  it('never splits a surrogate pair', () => {
    // 😀 and 😃 share their high surrogate: the change must replace the whole character.
    const { result, deltas } = change('a😀b', 'a😃b');
    expect(result).toBe('a😃b');
    expect(deltas).toEqual([[{ retain: 1 }, { delete: 2 }, { insert: '😃' }]]);
    expect(change('😀x', '😀').result).toBe('😀');
  });
});

describe('shiftThroughDelta', () => {
  it('moves a caret by what someone else inserted or deleted before it, and not by what is after it', () => {
    expect(shiftThroughDelta(5, [{ insert: 'abc' }])).toBe(8);
    expect(shiftThroughDelta(5, [{ retain: 5 }, { insert: 'abc' }])).toBe(5);
    expect(shiftThroughDelta(5, [{ retain: 7 }, { insert: 'abc' }])).toBe(5);
    expect(shiftThroughDelta(5, [{ retain: 1 }, { delete: 2 }])).toBe(3);
    expect(shiftThroughDelta(5, [{ retain: 3 }, { delete: 10 }])).toBe(3);
    expect(shiftThroughDelta(5, [{ retain: 1 }, { delete: 1 }, { insert: 'xy' }])).toBe(6);
  });
});

describe('agreed actions as tasks', () => {
  const decision = { meetingId: 'm1', decisionId: 'dec1', text: 'Sosiaaliohjaaja varaa ajan terveydenhuoltoon', ownerUserId: 'sari', due: '2026-12-01' };

  it('a meeting decision becomes one action with a reference back, however often it is done', () => {
    const doc = new Y.Doc();
    expect(addActionFromDecision(doc, decision, 5)).toBe(true);
    expect(addActionFromDecision(doc, decision, 6)).toBe(false);
    const { items } = readActions(doc);
    expect(items).toEqual([{
      id: decisionActionId('dec1'), what: decision.text, owner: '', organisation: '', ownerUserId: 'sari', due: '2026-12-01',
      status: 'planned', createdAt: 5, fromMeetingId: 'm1', fromDecisionId: 'dec1',
    }]);
  });

  it('two people doing it at the same moment on two replicas still see one action, and removing it removes both copies', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    expect(addActionFromDecision(a, decision)).toBe(true);
    expect(addActionFromDecision(b, decision)).toBe(true);
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(a.getArray(PLAN_ACTIONS).length).toBe(2);
    expect(readActions(a)).toEqual(readActions(b));
    expect(readActions(a).items).toHaveLength(1);
    expect(readActions(a).unreadable).toBe(0);
    expect(removeAction(a, decisionActionId('dec1'))).toBe(true);
    expect(readActions(a).items).toEqual([]);
  });

  it('the owner is a member by userId; clearing it shows the earlier free-text owner again', () => {
    const doc = new Y.Doc();
    addAction(doc, { id: 'old', what: 'Hae kuntoutusta', owner: 'Kaisa Kelasta', organisation: 'Kela', due: '', status: 'planned' });
    expect(updateAction(doc, 'old', 'ownerUserId', 'kaisa_1')).toBe(true);
    expect(readActions(doc).items[0]).toMatchObject({ owner: 'Kaisa Kelasta', ownerUserId: 'kaisa_1' });
    expect(updateAction(doc, 'old', 'ownerUserId', 'not an id!')).toBe(false);
    expect(updateAction(doc, 'old', 'ownerUserId', '')).toBe(true);
    expect(readActions(doc).items[0]?.ownerUserId).toBeUndefined();
    expect(readActions(doc).items[0]?.owner).toBe('Kaisa Kelasta');
  });

  it('the template records the language it was written in', () => {
    const doc = new Y.Doc();
    insertTemplateOnce(doc, sections, undefined, 'sv');
    expect(doc.getMap(PLAN_META).get(TEMPLATE_LANGUAGE)).toBe('sv');
  });
});
