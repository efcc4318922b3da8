import { describe, expect, it } from 'vitest';
import { fromUtf8 } from './bytes';
import { encodeEpochKeyPayload, generateEpochKey, parseEpochKeyPayload } from './epoch';
import { newTextSalt, textCommitment } from './workspace-texts';

describe('workspace texts', () => {
  it('commit to a text under its salt and kind: another text, salt or kind gives another commitment', () => {
    const salt = newTextSalt();
    const label = textCommitment('label', 'Matti M. – lastensuojeluilmoitus', salt);
    expect(label).toMatch(/^[0-9a-f]{64}$/);
    expect(textCommitment('label', 'Matti M. – lastensuojeluilmoitus', salt)).toBe(label);
    expect(textCommitment('label', 'Matti M. – lastensuojeluilmoitus ', salt)).not.toBe(label);
    expect(textCommitment('label', 'Matti M. – lastensuojeluilmoitus', newTextSalt())).not.toBe(label);
    expect(textCommitment('purpose', 'Matti M. – lastensuojeluilmoitus', salt)).not.toBe(label);
  });

  it('travel inside the key message payload and back', () => {
    const salt = newTextSalt();
    const texts = [{ kind: 'label' as const, text: 'Asia 17', salt }, { kind: 'purpose' as const, text: 'toimeentulotuki', salt }];
    const payload = encodeEpochKeyPayload({ workspaceId: 'ws-1', epoch: 3, key: generateEpochKey(), texts });
    expect(fromUtf8(payload)).toContain('"texts"');
    expect(parseEpochKeyPayload(payload)?.texts).toEqual(texts);
    // Without texts the payload is as before.
    expect(fromUtf8(encodeEpochKeyPayload({ workspaceId: 'ws-1', epoch: 3, key: generateEpochKey() }))).not.toContain('texts');
    // A label longer than a label may be is dropped; a malformed salt refuses the payload.
    const long = encodeEpochKeyPayload({ workspaceId: 'ws-1', epoch: 3, key: generateEpochKey(), texts: [{ kind: 'label', text: 'x'.repeat(201), salt }] });
    expect(parseEpochKeyPayload(long)?.texts).toBeUndefined();
    const json = JSON.parse(fromUtf8(payload)) as { texts: { salt: string }[] };
    const bad = { ...json, texts: [{ ...json.texts[0], salt: 'AAAA' }] };
    expect(parseEpochKeyPayload(new TextEncoder().encode(JSON.stringify(bad)))).toBeUndefined();
  });
});
