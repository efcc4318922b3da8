import { describe, expect, it } from 'vitest';
import { encode } from 'uqr';
import { safetyQrPath, safetyQrText } from './safety-qr';

const NUMBER = '123451234512345123451234512345123451234512345123451234567890';

describe('safety number QR code', () => {
  it('carries the 60 digits behind a prefix naming them, in the compact alphanumeric alphabet', () => {
    expect(safetyQrText(NUMBER)).toBe(`YHTEISPOYTA:TURVANUMERO:1:${NUMBER}`);
    expect(safetyQrText(NUMBER)).toMatch(/^[0-9A-Z $%*+\-./:]+$/);
  });

  it('draws nothing for what is not a safety number', () => {
    expect(safetyQrText('12345')).toBeUndefined();
    expect(safetyQrPath(`${NUMBER.slice(1)}x`)).toBeUndefined();
  });

  it('draws every dark module of the code once, inside a 4-module margin', () => {
    const path = safetyQrPath(NUMBER);
    const qr = encode(safetyQrText(NUMBER) ?? '', { ecc: 'M', border: 0 });
    const dark = qr.data.flat().filter(Boolean).length;
    expect(path?.size).toBe(qr.size + 8);
    expect(path?.d.match(/M/g)?.length).toBe(dark);
    expect(path?.d.startsWith('M4 4h1v1h-1z')).toBe(true); // the finder pattern's corner
  });

  it('differs when one digit differs (two screens with the same code have the same number)', () => {
    const other = `${NUMBER.slice(0, 59)}1`;
    expect(safetyQrPath(other)?.d).not.toBe(safetyQrPath(NUMBER)?.d);
    expect(safetyQrPath(NUMBER)?.d).toBe(safetyQrPath(NUMBER)?.d);
  });
});
