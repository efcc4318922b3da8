/**
 * The armed faults applied to REST traffic: membership chains forked, truncated or
 * missing a removal (with the workspace listing agreeing), prekey bundles swapped in
 * claim answers, items slipped into mailbox answers, an enrolment's keys substituted on
 * the way in, people of one organisation listed in another's directory, and the
 * transparency log: another log of the operator's shown to one agent (heads, consistency
 * proofs and the proofs of its certificate bundles), certificates served unproven, or left
 * out of bundles. Membership events that pass in
 * either direction are learnt first, so a hidden removal is known by its seq. Chain events can
 * also be altered past their signature or injected (a statutory basis the operator rewrites or
 * one a non-owner signed, issue 13).
 */
import {
  appendMembershipRequestSchema,
  claimBundlesResponseSchema,
  createWorkspaceRequestSchema,
  fetchMailboxResponseSchema,
  listUsersResponseSchema,
  listWorkspacesResponseSchema,
  logConsistencyResponseSchema,
  logEntriesResponseSchema,
  logResponseSchema,
  membershipEventsResponseSchema,
  queryCertificatesResponseSchema,
} from '@yhteispoyta/crypto/protocol';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { FaultBoard } from './fault-board';
import type { RestExchange, RestHooks } from './relay/rest-forwarder';

/** A hex hash with its last digit changed. */
function flipHex(hash: string): string {
  return `${hash.slice(0, -1)}${hash.endsWith('0') ? '1' : '0'}`;
}

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
    for (const h of board.armed('alter_chain_event', exchange.door)) {
      if (h.spec.workspaceId !== workspaceId || !events.some((e) => h.spec.select(e))) continue;
      events = events.map((e) => (h.spec.select(e) ? (h.spec.alter(e) as typeof e) : e));
      h.count();
    }
    for (const h of board.armed('inject_chain_event', exchange.door)) {
      if (h.spec.workspaceId !== workspaceId || events.at(-1)?.seq !== h.spec.event.seq - 1) continue;
      events = [...events, h.spec.event as (typeof events)[number]];
      h.count();
    }
    return { events };
  };

  const workspaces = (exchange: RestExchange, body: unknown): unknown => {
    const parsed = listWorkspacesResponseSchema.safeParse(body);
    if (!parsed.success) return body;
    const injected = (workspaceId: string, seq: number): number =>
      Math.max(seq, ...board.armed('inject_chain_event', exchange.door).filter((h) => h.spec.workspaceId === workspaceId).map((h) => h.spec.event.seq));
    return {
      workspaces: parsed.data.workspaces.map((w) => ({ ...w, membershipSeq: injected(w.workspaceId, board.cutSeq(exchange.door, w.workspaceId, w.membershipSeq)) })),
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

  /** The log's answers to the victim of a `forged_log` fault: the forged head and its proofs. */
  const logHead = (exchange: RestExchange, body: unknown): unknown => {
    const parsed = logResponseSchema.safeParse(body);
    if (!parsed.success) return body;
    let answer = parsed.data;
    for (const h of board.armed('forged_log', exchange.door)) {
      answer = { ...answer, head: h.spec.log.head };
      h.count();
    }
    return answer;
  };

  const logConsistency = (exchange: RestExchange, body: unknown): unknown => {
    const parsed = logConsistencyResponseSchema.safeParse(body);
    const from = Number(exchange.query.get('from') ?? '0');
    if (!parsed.success) return body;
    let answer = parsed.data;
    for (const h of board.armed('forged_log', exchange.door)) {
      const size = h.spec.log.head.treeSize;
      answer = { head: h.spec.log.head, proof: from === 0 || from >= size ? [] : h.spec.log.consistency(from) };
      h.count();
    }
    return answer;
  };

  const logEntries = (exchange: RestExchange, body: unknown): unknown => {
    const parsed = logEntriesResponseSchema.safeParse(body);
    if (!parsed.success) return body;
    let answer: { head: unknown; entries: { index: number; certificate: unknown }[] } = parsed.data;
    for (const h of board.armed('forged_log', exchange.door)) {
      const { head, entries } = h.spec.log;
      answer = {
        head,
        entries: answer.entries.filter((e) => e.index < head.treeSize).map((e) => ({ index: e.index, certificate: entries.get(e.index) ?? e.certificate })),
      };
      h.count();
    }
    return answer;
  };

  const certificates = (exchange: RestExchange, body: unknown): unknown => {
    const parsed = queryCertificatesResponseSchema.safeParse(body);
    if (!parsed.success) return body;
    const { certificates: served } = parsed.data;
    let log = parsed.data.log;
    for (const h of board.armed('forged_log', exchange.door)) {
      log = { head: h.spec.log.head, inclusions: log.inclusions.map((i) => ({ ...i, path: h.spec.log.inclusion(i.leafIndex) })) };
      h.count();
    }
    for (const h of board.armed('unprove_certificates', exchange.door)) {
      // The server lists each certificate's inclusion in the order of the certificates.
      const names = (i: number): boolean => {
        const certificate = served[i];
        return certificate !== undefined && ('userId' in certificate.body ? certificate.body.userId : undefined) === h.spec.userId;
      };
      const before = log.inclusions;
      const inclusions = h.spec.how === 'drop'
        ? before.filter((_, i) => !names(i))
        : before.map((inclusion, i) => (names(i) ? { ...inclusion, path: inclusion.path.map((hash, k) => (k === 0 ? flipHex(hash) : hash)) } : inclusion));
      if (before.some((_, i) => names(i))) h.count();
      log = { ...log, inclusions };
    }
    let kept = served;
    for (const h of board.armed('withhold_certificates', exchange.door)) {
      const keep = kept.map((c) => !h.spec.types.includes(c.body.t));
      if (keep.every(Boolean)) continue;
      log = { ...log, inclusions: log.inclusions.filter((_, i) => keep[i] === true) };
      kept = kept.filter((_, i) => keep[i] === true);
      h.count();
    }
    return { certificates: kept, log };
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
        case 'getLog':
          return logHead(exchange, body);
        case 'logConsistency':
          return logConsistency(exchange, body);
        case 'logEntries':
          return logEntries(exchange, body);
        case 'queryCertificates':
          return certificates(exchange, body);
        default:
          return body;
      }
    },
  };
}
