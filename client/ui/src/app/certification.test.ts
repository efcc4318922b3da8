import { describe, expect, it } from 'vitest';
import { certificationView } from './certification';

describe('certificationView', () => {
  it('tells who the device waits for', () => {
    expect(certificationView({ role: 'social_worker', certification: { state: 'pending' } })).toBe('pending_org');
    expect(certificationView({ role: 'client', certification: { state: 'pending' } })).toBe('pending_client');
    expect(certificationView({ role: 'kela_expert', certification: { state: 'pending', approvalCode: '123 456' } })).toBe('pending_link');
    expect(certificationView({ role: 'client', certification: { state: 'pending', approvalCode: '123 456' } })).toBe('pending_link');
  });

  it('knows certified and revoked devices', () => {
    expect(certificationView({ role: 'kela_expert', certification: { state: 'certified', orgName: 'Kela' } })).toBe('certified');
    expect(certificationView({ role: 'client', certification: { state: 'revoked', approvalCode: '123 456' } })).toBe('revoked');
  });
});
