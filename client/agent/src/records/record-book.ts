/**
 * The case records of one workspace as the replay of its `records` events (docs/design.md
 * §11). Every agent runs the same rules on every event it receives, its own included: an
 * event that breaks a record's status machine, or whose author has no right to it, is
 * refused with a typed reason and changes nothing — the relay's order (seq) decides which
 * of two racing events comes first, and the later one is refused on every agent alike.
 *
 * Who an author is (user, organisation, role) comes from the verified membership chain
 * and certificates at the time of the event, never from the payload.
 */
import type { Role } from '@yhteispoyta/crypto/types';
import type { SealedAttachment } from '../chat/chat-payload';
import type { Addressee, RecordEvent } from './record-payload';

/** The author of an event, as the verified chain and certificates say. */
export interface RecordAuthor {
  readonly userId: string;
  /** null for the client, who belongs to no organisation */
  readonly orgId: string | null;
  readonly role: Role;
}

/** A current member of the workspace, as the verified chain says. */
export interface RecordMember {
  readonly orgId: string | null;
  readonly role: Role;
}

/** What the rules need to know about the workspace when an event is applied. */
export interface RecordContext {
  readonly author: RecordAuthor;
  /** the event's place in the stream (server order) */
  readonly seq: number;
  /** the current members by user id */
  readonly members: ReadonlyMap<string, RecordMember>;
}

/** Why an event was refused. Stable codes, shown to the user as a problem. */
export type RecordRefusalCode =
  | 'duplicate_record'
  | 'unknown_record'
  | 'not_allowed'
  | 'wrong_status'
  | 'unknown_member'
  | 'unknown_organisation';

/** Result of {@link RecordBook.apply}. */
export type ApplyRecordResult =
  | { readonly ok: true; readonly recordId: string }
  | { readonly ok: false; readonly code: RecordRefusalCode; readonly detail: string };

/** One step in a record's life, for the timeline. */
export interface RecordStep {
  readonly t: RecordEvent['t'];
  readonly at: number;
  readonly seq: number;
  readonly by: RecordAuthor;
}

interface RecordBase {
  readonly id: string;
  readonly author: RecordAuthor;
  readonly at: number;
  readonly seq: number;
  readonly steps: RecordStep[];
}

/** Information request (lisäselvityspyyntö). */
export interface InformationRequest extends RecordBase {
  readonly kind: 'request';
  status: 'sent' | 'answered' | 'acknowledged' | 'withdrawn';
  readonly to: Addressee;
  readonly subject: string;
  readonly question: string;
  readonly reason: string;
  readonly due: string;
  readonly attachments: readonly SealedAttachment[];
  answeredBy?: string;
}

/** Statement (lausunto). */
export interface Statement extends RecordBase {
  readonly kind: 'statement';
  readonly content: string;
  readonly reasons: string;
  readonly attachments: readonly SealedAttachment[];
  readonly answers?: string;
}

/** Decision (päätös). */
export interface Decision extends RecordBase {
  readonly kind: 'decision';
  readonly content: string;
  readonly cites: readonly { readonly statementId: string; readonly consideration: string }[];
}

/** Concern notice (ilmoitus sosiaalihuollon tarpeesta). */
export interface ConcernNotice extends RecordBase {
  readonly kind: 'concern';
  status: 'sent' | 'closed';
  readonly toOrgId: string;
  readonly urgency: 'urgent' | 'not_urgent';
  readonly content: string;
  readonly clientTold: boolean;
  feedback?: { readonly content: string; readonly by: RecordAuthor; readonly at: number };
}

/** A decision of a network meeting, optionally an agreed action of the plan. */
export interface MeetingDecision {
  readonly id: string;
  readonly text: string;
  readonly by: RecordAuthor;
  readonly at: number;
  readonly action?: { readonly ownerUserId: string; readonly due: string };
}

/** Network meeting (verkostoneuvottelu); its minutes are the Yjs document `doc:meeting:<id>`. */
export interface NetworkMeeting extends RecordBase {
  readonly kind: 'meeting';
  status: 'planned' | 'held' | 'cancelled';
  readonly title: string;
  readonly startsAt: number;
  readonly place?: string;
  readonly link?: string;
  readonly agenda: readonly string[];
  readonly invited: readonly string[];
  attended: readonly string[];
  readonly decisions: MeetingDecision[];
}

/** Transition point (nivelvaihe). */
export interface TransitionPoint extends RecordBase {
  readonly kind: 'transition';
  readonly transition: 'move' | 'studies' | 'benefit_age_limit' | 'coming_of_age' | 'employment' | 'other';
  readonly description: string;
  readonly date: string;
  readonly actor: Addressee;
}

/** Any case record. */
export type CaseRecord = InformationRequest | Statement | Decision | ConcernNotice | NetworkMeeting | TransitionPoint;

type Refusal = Extract<ApplyRecordResult, { ok: false }>;
const refuse = (code: RecordRefusalCode, detail: string): Refusal => ({ ok: false, code, detail });

const isProfessional = (who: { readonly role: Role }): boolean => who.role !== 'client';

/** The records of one workspace, built by applying its events in stream order. */
export class RecordBook {
  private readonly records = new Map<string, CaseRecord>();
  /** ids of meeting decisions, which share the id space of records */
  private readonly meetingDecisionIds = new Set<string>();

  /** Every record, in the order they were created. */
  list(): readonly CaseRecord[] {
    return [...this.records.values()];
  }

  /** One record by id. */
  get(id: string): CaseRecord | undefined {
    return this.records.get(id);
  }

  /** Apply one event: the record it creates or moves, or why it was refused (then nothing changed). */
  apply(event: RecordEvent, ctx: RecordContext): ApplyRecordResult {
    const step: RecordStep = { t: event.t, at: event.at, seq: ctx.seq, by: ctx.author };
    const base = { author: ctx.author, at: event.at, seq: ctx.seq, steps: [step] };
    switch (event.t) {
      case 'request': {
        const refused = this.checkNew(event.id) ?? this.professionalOnly(ctx, 'send an information request') ?? this.checkAddressee(event.to, ctx);
        if (refused !== undefined) return refused;
        return this.add({ ...base, kind: 'request', id: event.id, status: 'sent', to: event.to, subject: event.subject, question: event.question, reason: event.reason, due: event.due, attachments: event.attachments });
      }
      case 'request_withdraw':
      case 'request_acknowledge': {
        const request = this.find(event.requestId, 'request');
        if (!('kind' in request)) return request;
        if (request.author.userId !== ctx.author.userId) return refuse('not_allowed', 'only the requester acknowledges or withdraws a request');
        const from = event.t === 'request_withdraw' ? 'sent' : 'answered';
        if (request.status !== from) return refuse('wrong_status', `a request that is ${request.status} cannot be ${event.t === 'request_withdraw' ? 'withdrawn' : 'acknowledged'}`);
        request.status = event.t === 'request_withdraw' ? 'withdrawn' : 'acknowledged';
        request.steps.push(step);
        return { ok: true, recordId: request.id };
      }
      case 'statement': {
        const refused = this.checkNew(event.id);
        if (refused !== undefined) return refused;
        let request: InformationRequest | undefined;
        if (event.answers !== undefined) {
          const found = this.find(event.answers, 'request');
          if (!('kind' in found)) return found;
          if (found.status !== 'sent') return refuse('wrong_status', `a request that is ${found.status} cannot be answered`);
          if (!this.answersFor(found, ctx)) return refuse('not_allowed', 'only the addressee of a request answers it');
          request = found;
        } else if (!isProfessional(ctx.author)) {
          return refuse('not_allowed', 'a client gives a statement only as the answer to a request addressed to him');
        }
        const added = this.add({ ...base, kind: 'statement', id: event.id, content: event.content, reasons: event.reasons, attachments: event.attachments, ...(event.answers === undefined ? {} : { answers: event.answers }) });
        if (request !== undefined) {
          request.status = 'answered';
          request.answeredBy = event.id;
          request.steps.push(step);
        }
        return added;
      }
      case 'decision': {
        const refused = this.checkNew(event.id) ?? this.professionalOnly(ctx, 'record a decision');
        if (refused !== undefined) return refused;
        for (const cite of event.cites) {
          const statement = this.find(cite.statementId, 'statement');
          if (!('kind' in statement)) return statement;
        }
        return this.add({ ...base, kind: 'decision', id: event.id, content: event.content, cites: event.cites });
      }
      case 'concern': {
        const refused = this.checkNew(event.id) ?? this.professionalOnly(ctx, 'send a concern notice') ?? this.checkAddressee({ kind: 'org', orgId: event.toOrgId }, ctx);
        if (refused !== undefined) return refused;
        return this.add({ ...base, kind: 'concern', id: event.id, status: 'sent', toOrgId: event.toOrgId, urgency: event.urgency, content: event.content, clientTold: event.clientTold });
      }
      case 'concern_feedback': {
        const concern = this.find(event.concernId, 'concern');
        if (!('kind' in concern)) return concern;
        if (ctx.author.orgId !== concern.toOrgId) return refuse('not_allowed', 'only the receiving organisation gives feedback on a concern notice');
        if (concern.status !== 'sent') return refuse('wrong_status', 'the concern notice already has its feedback');
        concern.status = 'closed';
        concern.feedback = { content: event.content, by: ctx.author, at: event.at };
        concern.steps.push(step);
        return { ok: true, recordId: concern.id };
      }
      case 'meeting': {
        const refused = this.checkNew(event.id) ?? this.professionalOnly(ctx, 'call a network meeting') ?? this.checkMembers(event.invited, ctx);
        if (refused !== undefined) return refused;
        return this.add({
          ...base, kind: 'meeting', id: event.id, status: 'planned', title: event.title, startsAt: event.startsAt,
          ...(event.place === undefined ? {} : { place: event.place }), ...(event.link === undefined ? {} : { link: event.link }),
          agenda: event.agenda, invited: event.invited, attended: [], decisions: [],
        });
      }
      case 'meeting_attendance':
      case 'meeting_cancel': {
        const meeting = this.find(event.meetingId, 'meeting');
        if (!('kind' in meeting)) return meeting;
        if (meeting.author.userId !== ctx.author.userId) return refuse('not_allowed', 'only the one who called the meeting records attendance or cancels it');
        if (event.t === 'meeting_cancel') {
          if (meeting.status !== 'planned') return refuse('wrong_status', `a meeting that is ${meeting.status} cannot be cancelled`);
          meeting.status = 'cancelled';
        } else {
          if (meeting.status === 'cancelled') return refuse('wrong_status', 'a cancelled meeting has no attendance');
          if (event.at < meeting.startsAt) return refuse('wrong_status', 'attendance is recorded after the meeting has started');
          const refused = this.checkMembers(event.attended, ctx);
          if (refused !== undefined) return refused;
          meeting.status = 'held';
          meeting.attended = event.attended;
        }
        meeting.steps.push(step);
        return { ok: true, recordId: meeting.id };
      }
      case 'meeting_decision': {
        const refused = this.checkNew(event.id);
        if (refused !== undefined) return refused;
        const meeting = this.find(event.meetingId, 'meeting');
        if (!('kind' in meeting)) return meeting;
        if (meeting.status === 'cancelled') return refuse('wrong_status', 'a cancelled meeting makes no decisions');
        const present = meeting.author.userId === ctx.author.userId || meeting.invited.includes(ctx.author.userId) || meeting.attended.includes(ctx.author.userId);
        if (!present || !isProfessional(ctx.author)) return refuse('not_allowed', 'decisions of a meeting are recorded by a professional who was invited to it');
        if (event.action !== undefined) {
          const owner = this.checkMembers([event.action.ownerUserId], ctx);
          if (owner !== undefined) return owner;
        }
        this.meetingDecisionIds.add(event.id);
        meeting.decisions.push({ id: event.id, text: event.text, by: ctx.author, at: event.at, ...(event.action === undefined ? {} : { action: event.action }) });
        meeting.steps.push(step);
        return { ok: true, recordId: meeting.id };
      }
      case 'transition': {
        const refused = this.checkNew(event.id) ?? this.professionalOnly(ctx, 'record a transition point') ?? this.checkAddressee(event.actor, ctx);
        if (refused !== undefined) return refused;
        return this.add({ ...base, kind: 'transition', id: event.id, transition: event.kind, description: event.description, date: event.date, actor: event.actor });
      }
    }
  }

  private add(record: CaseRecord): ApplyRecordResult {
    this.records.set(record.id, record);
    return { ok: true, recordId: record.id };
  }

  private checkNew(id: string): Refusal | undefined {
    return this.records.has(id) || this.meetingDecisionIds.has(id) ? refuse('duplicate_record', `a record ${id} already exists`) : undefined;
  }

  private professionalOnly(ctx: RecordContext, what: string): Refusal | undefined {
    return isProfessional(ctx.author) ? undefined : refuse('not_allowed', `only a professional may ${what}`);
  }

  private find<K extends CaseRecord['kind']>(id: string, kind: K): Extract<CaseRecord, { kind: K }> | Refusal {
    const record = this.records.get(id);
    if (record === undefined || record.kind !== kind) return refuse('unknown_record', `no ${kind} ${id}`);
    return record as Extract<CaseRecord, { kind: K }>;
  }

  /** An organisation with a current member, or a current member. */
  private checkAddressee(to: Addressee, ctx: RecordContext): Refusal | undefined {
    if (to.kind === 'member') return this.checkMembers([to.userId], ctx);
    return this.orgHasMember(to.orgId, ctx) ? undefined : refuse('unknown_organisation', `no member of organisation ${to.orgId} in the workspace`);
  }

  private checkMembers(userIds: readonly string[], ctx: RecordContext): Refusal | undefined {
    const missing = userIds.find((userId) => !ctx.members.has(userId));
    return missing === undefined ? undefined : refuse('unknown_member', `${missing} is not a member of the workspace`);
  }

  private orgHasMember(orgId: string, ctx: RecordContext): boolean {
    return [...ctx.members.values()].some((member) => member.orgId === orgId);
  }

  /** Whether `ctx.author` may answer `request`: its addressee's organisation, or the addressed member when he has none (the client). */
  private answersFor(request: InformationRequest, ctx: RecordContext): boolean {
    if (request.to.kind === 'org') return ctx.author.orgId === request.to.orgId;
    if (request.to.userId === ctx.author.userId) return true;
    const addressee = ctx.members.get(request.to.userId);
    return addressee !== undefined && addressee.orgId !== null && addressee.orgId === ctx.author.orgId;
  }
}
