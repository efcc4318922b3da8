import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultMatrix, formatMatrix, matrixFile, mergeParts, readParts } from './fault-matrix';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'yp-matrix-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('fault matrix', () => {
  it('sums trials per kind and merges the parts of several files into one JSON file', () => {
    const a = new FaultMatrix('a', dir);
    a.record('drop', { injected: 2, detected: true, recovered: true, note: 'clock_gap' });
    a.record('drop', { injected: 1, detected: true, recovered: false, note: 'clock_gap' });
    const b = new FaultMatrix('b', dir);
    b.record('drop', { injected: 3, detected: false, recovered: false, note: 'missed' });
    b.record('hide_removal', { injected: 4, detected: true, recovered: true, note: 'chain_invalid' });
    a.write();
    const merged = b.write();
    expect(merged.get('drop')).toEqual({ trials: 3, injected: 6, detected: 2, recovered: 1, notes: ['clock_gap', 'missed'] });
    const file = JSON.parse(readFileSync(matrixFile(dir), 'utf8')) as { parts: string[]; faults: Record<string, { trials: number }> };
    expect(file.parts).toEqual(['a', 'b']);
    expect(Object.keys(file.faults)).toEqual(['drop', 'hide_removal']);
    expect(file.faults.hide_removal?.trials).toBe(1);
  });

  it('skips parts that do not parse, and prints a table with detected and recovered per trials', () => {
    const m = new FaultMatrix('ok', dir);
    m.record('replay', { injected: 1, detected: true, recovered: true, note: 'replay' });
    m.write();
    writeFileSync(join(dir, 'fault-matrix.d', 'broken.json'), '{ not json');
    const parts = readParts(dir);
    expect(parts.map((p) => p.part)).toEqual(['ok']);
    const table = formatMatrix(mergeParts(parts));
    expect(table.split('\n')[0]).toMatch(/^fault\s+trials\s+injected\s+detected\s+recovered$/);
    expect(table).toMatch(/replay\s+1\s+1\s+1\/1\s+1\/1/);
  });
});
