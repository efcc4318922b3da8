/**
 * Colours of people (carets, avatars) derived from their user id, so everyone sees the
 * same person in the same colour without coordinating. Each colour carries white text
 * (the caret's name label) with a WCAG contrast ratio of at least 4.5:1.
 */

/** WCAG relative luminance of a `#rrggbb` colour. */
function relativeLuminance(hex: string): number {
  const value = /^#([0-9a-f]{6})$/i.exec(hex)?.[1];
  if (value === undefined) throw new RangeError(`not a #rrggbb colour: ${hex}`);
  const channel = (offset: number) => {
    const c = parseInt(value.slice(offset, offset + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
}

/** WCAG contrast ratio of two `#rrggbb` colours (1…21). */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** `#rrggbb` of an HSL colour (h in degrees, s and l in 0…1). */
export function hslToHex(h: number, s: number, l: number): string {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
  const hex = (x: number) => Math.round(x * 255).toString(16).padStart(2, '0');
  return `#${hex(f(0))}${hex(f(8))}${hex(f(4))}`;
}

/** A 32-bit FNV-1a hash of a string: stable across browsers and sessions. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Minimum contrast of white text on a person's colour. */
export const MIN_LABEL_CONTRAST = 4.5;

/** The colour of a person: hue from the user id, darkened until white text on it is readable. */
export function userColour(userId: string): string {
  const hash = hashString(userId);
  const hue = hash % 360;
  const saturation = 0.55 + ((hash >>> 9) % 30) / 100;
  for (let lightness = 0.46; lightness > 0.1; lightness -= 0.02) {
    const colour = hslToHex(hue, saturation, lightness);
    if (contrastRatio(colour, '#ffffff') >= MIN_LABEL_CONTRAST) return colour;
  }
  return hslToHex(hue, saturation, 0.1);
}
