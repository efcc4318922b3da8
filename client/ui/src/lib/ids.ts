/**
 * Random identifiers the page chooses itself (action items, transfer ids): 16 bytes
 * from the browser's CSPRNG in base64url, which the agent's id pattern accepts.
 */

/** A fresh random id of 22 characters of [A-Za-z0-9_-]. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
