/**
 * The armed faults applied to REST traffic: membership chains forked, truncated or
 * missing a removal (with the workspace listing agreeing), prekey bundles swapped in
 * claim answers, items slipped into mailbox answers, an enrolment's keys substituted on
 * the way in, and people of one organisation listed in another's directory. Membership events that pass in
 * either direction are learnt first, so a hidden removal is known by its seq.
 */
import {
  appendMembershipRequestSchema,
  claimBundlesResponseSchema,
  createWorkspaceRequestSchema,
  fetchMailboxResponseSchema,
  listUsersResponseSchema,
  listWorkspacesResponseSchema,
  membershipEventsResponseSchema,
} from '@yhteispoyta/crypto/protocol';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { FaultBoard } from './fault-board';
import type { RestExchange, RestHooks } from './relay/rest-forwarder';

/** The REST hooks of a relay whose faults live on `board`. */
export function restFaults(board: FaultBoard): RestHooks {
  const membership = (exchange: RestExchange, body: unknown): unknown => {
    const parsed = membershipEventsResponseSchema.safeParse(body);
    const workspaceId = exchange.route?.params.workspaceId;
    if (!parsed.success || workspaceId === undefined) return body;
    board.learnEvents(parsed.data.events);
    let events = parsed.data.events;
    for (const h of board.armed('fork_chain', exchange.door)) {
      if (h.spec.workspaceId !== workspaceId || events.length === 0) continue;
      // The first event answers `after = head - 1`: it is the head the agent holds.
      const index = exchange.query.has('after') ? 0 : events.length - 1;
      events = events.map((event, i) => (i === index ? { ...event, at: event.at + 1 } : event));
      h.count();
    }
    for (const cut of board.chainCuts(exchange.door, workspaceId)) {
      const kept = events.filter((e) => e.seq < cut.fromSeq);
      if (kept.length < events.length) cut.handle.count();
      events = kept;
    }
    return { events };
  };

  const workspaces = (exchange: RestExchange, body: unknown): unknown => {
    const parsed = listWorkspacesResponseSchema.safeParse(body);
    if (!parsed.success) return body;
    return {
      workspaces: parsed.data.workspaces.map((w) => ({ ...w, membershipSeq: board.cutSeq(exchange.door, w.workspaceId, w.membershipSeq) })),
    };
  };

  const claims = (exchange: RestExchange, body: unknown): unknown => {
    const parsed = claimBundlesResponseSchema.safeParse(body);
    if (!parsed.success) return body;
    let bundles = parsed.data.bundles;
    for (const h of board.armed('swap_bundle', exchange.door)) {
      const target = deviceKey(h.spec.target);
      if (!bundles.some((b) => deviceKey(b.device) === target)) continue;
      bundles = bundles.map((b) => (deviceKey(b.device) === target ? { ...h.spec.bundle, device: b.device } : b));
      h.count();
    }
    return { bundles };
  };

  const mailbox = (exchange: RestExchange, body: unknown): unknown => {
    const parsed = fetchMailboxResponseSchema.safeParse(body);
    if (!parsed.success) return body;
    const items = [...parsed.data.items];
    for (const h of board.armed('inject_mailbox', exchange.door)) {
      items.push(h.spec.item);
      h.count();
      h.disarm();
    }
    return { items };
  };

  const directory = (exchange: RestExchange, body: unknown): unknown => {
    const parsed = listUsersResponseSchema.safeParse(body);
    const orgId = exchange.route?.params.orgId;
    if (!parsed.success || orgId === undefined) return body;
    const users = [...parsed.data.users];
    for (const h of board.armed('relabel_directory', exchange.door)) {
      if (h.spec.orgId !== orgId) continue;
      users.push({ ...h.spec.user, orgId } as (typeof users)[number]);
      h.count();
    }
    return { users };
  };

  return {
    request(exchange, body) {
      if (exchange.route?.name !== 'enrol' || typeof body !== 'object' || body === null) return body;
      let sent = body as Record<string, unknown>;
      for (const h of board.armed('substitute_enrolment', exchange.door)) {
        sent = h.spec.substitute(sent);
        h.count();
        h.disarm();
      }
      return sent;
    },
    response(exchange, status, body, request) {
      if (status !== 200) return body;
      switch (exchange.route?.name) {
        case 'listMembership':
          return membership(exchange, body);
        case 'appendMembership': {
          const sent = appendMembershipRequestSchema.safeParse(request);
          if (sent.success) board.learnEvents([sent.data.event]);
          return body;
        }
        case 'createWorkspace': {
          const sent = createWorkspaceRequestSchema.safeParse(request);
          if (sent.success) board.learnEvents([sent.data.event]);
          return body;
        }
        case 'listWorkspaces':
          return workspaces(exchange, body);
        case 'claimBundles':
          return claims(exchange, body);
        case 'fetchMailbox':
          return mailbox(exchange, body);
        case 'listOrgUsers':
          return directory(exchange, body);
        default:
          return body;
      }
    },
  };
}
