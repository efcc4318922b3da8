/**
 * The table is consistent with itself: every `:name` of a path has its schema and every
 * params schema names exactly the path's parameters, method and path pairs are unique,
 * and only the download answers without JSON.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildPath, pathParamNames } from './route-spec';
import type { LocalRouteSpec } from './route-spec';
import { LOCAL_API_ROUTES } from './routes';

const routes = Object.entries(LOCAL_API_ROUTES) as [string, LocalRouteSpec][];

describe('the local API route table', () => {
  it('gives every path parameter a schema, and no other', () => {
    for (const [name, spec] of routes) {
      const names = pathParamNames(spec.path).sort();
      if (names.length === 0) {
        expect(spec.params, name).toBeUndefined();
        continue;
      }
      expect(spec.params, name).toBeInstanceOf(z.ZodObject);
      expect(Object.keys((spec.params as z.ZodObject).shape).sort(), name).toEqual(names);
    }
  });

  it('has one route per method and path', () => {
    const keys = routes.map(([, spec]) => `${spec.method} ${spec.path.replace(/:[A-Za-z]+/g, ':')}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('answers JSON everywhere but the download, and takes bodies only where a body fits', () => {
    for (const [name, spec] of routes) {
      expect(spec.response === undefined, name).toBe(spec.stream === 'download');
      if (spec.method === 'GET' || spec.method === 'DELETE' || spec.stream === 'upload') expect(spec.body, name).toBeUndefined();
      if (spec.status === 201) expect(spec.method, name).toBe('POST');
    }
  });

  it('parses the path form of a device number into a number, and refuses others', () => {
    const params = LOCAL_API_ROUTES.approveDevice.params;
    expect(params.parse({ deviceId: '2' })).toEqual({ deviceId: 2 });
    for (const deviceId of ['0', '128', 'two', '-1', '2.0']) expect(params.safeParse({ deviceId }).success, deviceId).toBe(false);
  });
});

describe('buildPath', () => {
  it('fills and percent-encodes every parameter', () => {
    expect(buildPath(LOCAL_API_ROUTES.removeMember.path, { workspaceId: 'ws 1', userId: 'u/2' })).toBe('/api/workspaces/ws%201/members/u%2F2');
  });

  it('throws for a parameter missing at runtime', () => {
    expect(() => buildPath('/api/devices/:deviceId/approve', {} as { deviceId: string })).toThrow(/missing parameter deviceId/);
  });
});
