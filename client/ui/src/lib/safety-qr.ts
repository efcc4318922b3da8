/**
 * The safety number as a QR code: what a phone's camera can read and compare with the
 * number on the other person's screen. Both people's agents compute the same 60 digits
 * (libsignal orders the two halves), so both show the same code; a prefix names what it
 * is. Upper-case letters, digits and ':' keep it in the QR alphanumeric mode (a small code).
 */
import { encode } from 'uqr';
import { safetyNumberGroups } from './safety-number';

/** What the code says before the digits: the product and the format's version. */
const SAFETY_QR_PREFIX = 'YHTEISPOYTA:TURVANUMERO:1:';
/** Modules of empty margin around the code, as scanners expect. */
const QUIET_ZONE = 4;

/** The text a safety number's QR code carries; undefined for anything that is not a safety number. */
export function safetyQrText(safetyNumber: string): string | undefined {
  return safetyNumberGroups(safetyNumber) === undefined ? undefined : `${SAFETY_QR_PREFIX}${safetyNumber}`;
}

/** A QR code as one SVG path of its dark modules, with the quiet zone in its size. */
export interface QrPath {
  /** modules per side, margin included */
  readonly size: number;
  /** the `d` of a path drawing every dark module as a 1×1 square */
  readonly d: string;
}

/** The QR code of a safety number (error correction M); undefined for anything that is not a safety number. */
export function safetyQrPath(safetyNumber: string): QrPath | undefined {
  const text = safetyQrText(safetyNumber);
  if (text === undefined) return undefined;
  const qr = encode(text, { ecc: 'M', border: 0 });
  const parts: string[] = [];
  qr.data.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) parts.push(`M${x + QUIET_ZONE} ${y + QUIET_ZONE}h1v1h-1z`);
    });
  });
  return { size: qr.size + 2 * QUIET_ZONE, d: parts.join('') };
}
