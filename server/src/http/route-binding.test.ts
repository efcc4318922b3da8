/**
 * The route table is mounted whole: a route of the protocol's table without a handler
 * stops the server at start-up (the handler type already makes it a compile error; this
 * is the net for a handler lost through a cast), and every route of the table is bound.
 */
import express from 'express';
import { describe, expect, it } from 'vitest';
import { REST_ROUTES } from '@yhteispoyta/crypto/protocol';
import type { RouteName } from '@yhteispoyta/crypto/protocol';
import pino from 'pino';
import { loadConfig } from '../config';
import { createHub } from '../context';
import type { ServerContext } from '../context';
import type { Store } from '../store/port';
import { ROUTE_HANDLERS } from './app';
import { createRateLimiter } from './rate-limit';
import { bindRoutes } from './route-binding';
import type { RouteHandlers } from './route-binding';

// Binding touches neither the store nor the clock: a context without a store suffices.
const ctx: ServerContext = { config: loadConfig({}), store: {} as Store, log: pino({ level: 'silent' }), hub: createHub(), now: () => 0 };

describe('route binding', () => {
  it('has a handler for every route of the table', () => {
    expect(Object.keys(ROUTE_HANDLERS).sort()).toEqual(Object.keys(REST_ROUTES).sort());
  });

  it.each(['getRoot', 'storeCertificate', 'enrol'] as RouteName[])('refuses to start without the handler of %s', (name) => {
    const partial: Partial<Record<RouteName, unknown>> = { ...ROUTE_HANDLERS };
    delete partial[name];
    expect(() => bindRoutes(express(), ctx, partial as RouteHandlers, createRateLimiter(10))).toThrow(`no handler for route ${name}`);
  });
});
