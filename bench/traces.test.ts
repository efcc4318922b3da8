/**
 * The typing traces are what both systems are fed, so they must be reproducible and
 * look like typing: keystrokes 150–300 ms apart, pauses of seconds, some backspaces,
 * now and then a paste.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Typist } from './edit-apply';
import { editSequence, seededRng, typingTrace } from './traces';

describe('typingTrace', () => {
  it('is the same for the same seed and differs between seeds', () => {
    expect(typingTrace(7, 60_000)).toEqual(typingTrace(7, 60_000));
    expect(typingTrace(8, 60_000)).not.toEqual(typingTrace(7, 60_000));
  });

  it('starts within the shortest pause, so even a 1.5 s run has edits of every typist', () => {
    for (let seed = 0; seed < 200; seed++) expect(typingTrace(seed, 1_500).length, `seed ${seed}`).toBeGreaterThan(0);
  });

  it('types in bursts 150–300 ms apart with pauses of seconds, backspaces and pastes', () => {
    const ops = Array.from({ length: 20 }, (_, seed) => typingTrace(seed, 300_000)).flat();
    for (let seed = 0; seed < 20; seed++) {
      const trace = typingTrace(seed, 300_000);
      for (let i = 1; i < trace.length; i++) {
        const gap = (trace[i]?.at ?? 0) - (trace[i - 1]?.at ?? 0);
        const inBurst = gap >= 150 && gap <= 300;
        const pause = gap >= 1500 + 150 && gap <= 6000 + 300 + 300;
        expect(inBurst || pause, `gap of ${gap} ms`).toBe(true);
      }
      expect(trace.every((op) => op.at < 300_000)).toBe(true);
    }
    const deletes = ops.filter((op) => op.kind === 'delete').length / ops.length;
    expect(deletes).toBeGreaterThan(0.04);
    expect(deletes).toBeLessThan(0.1);
    const pastes = ops.filter((op) => op.kind === 'paste');
    expect(pastes.length).toBeGreaterThan(0);
    for (const paste of pastes) expect(paste.text.length).toBeGreaterThanOrEqual(200);
    for (const op of ops.filter((o) => o.kind === 'type')) expect(op.text).toHaveLength(1);
  });
});

describe('editSequence and Typist', () => {
  it('give the same document for the same seed', () => {
    const texts = [1, 1, 2].map((seed) => {
      const doc = new Y.Doc();
      const typist = new Typist(doc.getText('plan'));
      for (const op of editSequence(seed, 2000)) typist.apply(op);
      return doc.getText('plan').toString();
    });
    expect(editSequence(1, 2000)).toHaveLength(2000);
    expect(texts[0]).toBe(texts[1]);
    expect(texts[0]).not.toBe(texts[2]);
    expect(texts[0]?.length).toBeGreaterThan(1000);
  });

  it('makes one Yjs update per edit that changes the text', () => {
    const doc = new Y.Doc();
    let updates = 0;
    doc.on('update', () => (updates += 1));
    const typist = new Typist(doc.getText('plan'));
    let changing = 0;
    for (const op of editSequence(3, 500)) {
      const before = doc.getText('plan').toString();
      typist.apply(op);
      if (doc.getText('plan').toString() !== before) changing += 1;
    }
    expect(updates).toBe(changing);
  });
});

describe('seededRng', () => {
  it('repeats for a seed and stays in [0, 1)', () => {
    const a = seededRng(42);
    const b = seededRng(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});
