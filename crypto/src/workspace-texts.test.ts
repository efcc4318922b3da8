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

  it('carry statutory bases too: their own domain, at most 300 characters, many in one message', () => {
    const salt = newTextSalt();
    const statute = 'Sosiaalihuoltolaki (1301/2014) 42 § – omatyöntekijä';
    expect(textCommitment('basis', statute, salt)).not.toBe(textCommitment('purpose', statute, salt));
    const bases = Array.from({ length: 38 }, (_, i) => ({ kind: 'basis' as const, text: `${statute} ${i}`, salt }));
    const texts = [{ kind: 'label' as const, text: 'Asia 17', salt }, { kind: 'purpose' as const, text: 'toimeentulotuki', salt }, ...bases];
    expect(parseEpochKeyPayload(encodeEpochKeyPayload({ workspaceId: 'ws-1', epoch: 3, key: generateEpochKey(), texts }))?.texts).toEqual(texts);
    const tooLong = [{ kind: 'basis' as const, text: 'x'.repeat(301), salt }];
    expect(parseEpochKeyPayload(encodeEpochKeyPayload({ workspaceId: 'ws-1', epoch: 3, key: generateEpochKey(), texts: tooLong }))?.texts).toBeUndefined();
    const tooMany = [...texts, { kind: 'basis' as const, text: 'one more', salt }];
    expect(parseEpochKeyPayload(encodeEpochKeyPayload({ workspaceId: 'ws-1', epoch: 3, key: generateEpochKey(), texts: tooMany }))).toBeUndefined();
  });
});
