import { describe, expect, it } from 'vitest';
import { clientAddressResolver } from './client-address';

describe('client address', () => {
  it('is the connection address when no proxy is configured, whatever X-Forwarded-For claims', () => {
    const of = clientAddressResolver([]);
    expect(of('203.0.113.7', '198.51.100.1')).toBe('203.0.113.7');
    expect(of('::ffff:203.0.113.7', undefined)).toBe('203.0.113.7');
  });

  it('is the last X-Forwarded-For entry on a connection from the configured proxy', () => {
    const of = clientAddressResolver(['172.28.0.10']);
    expect(of('172.28.0.10', '198.51.100.1')).toBe('198.51.100.1');
    expect(of('::ffff:172.28.0.10', '198.51.100.1')).toBe('198.51.100.1');
    // A client's own forged entries come first; the proxy appended the real one last.
    expect(of('172.28.0.10', '10.9.9.9, 198.51.100.1')).toBe('198.51.100.1');
    expect(of('172.28.0.10', ['10.9.9.9', '198.51.100.2'])).toBe('198.51.100.2');
  });

  it('ignores X-Forwarded-For from anyone but the proxy', () => {
    const of = clientAddressResolver(['172.28.0.10']);
    expect(of('198.51.100.1', '10.1.2.3')).toBe('198.51.100.1');
    expect(of('172.28.0.11', '10.1.2.3')).toBe('172.28.0.11');
  });

  it('takes CIDR blocks and IPv6, and counts the proxy itself when its header is missing or not an address', () => {
    const of = clientAddressResolver(['10.0.0.0/8', 'fd00::/8']);
    expect(of('10.4.5.6', '2001:db8::1')).toBe('2001:db8::1');
    expect(of('fd00::5', '198.51.100.9')).toBe('198.51.100.9');
    expect(of('10.4.5.6', undefined)).toBe('10.4.5.6');
    expect(of('10.4.5.6', 'unknown')).toBe('10.4.5.6');
  });
});
