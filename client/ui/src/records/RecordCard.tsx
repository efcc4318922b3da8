/**
 * One case record: its kind and status, who wrote it (organisation and role, from the
 * verified chain), when, what it says, its steps, and the next steps this person may take
 * — answer, acknowledge or withdraw a request; give feedback on a concern notice; record a
 * meeting's attendance and decisions or cancel it. The agent enforces the same rights; the
 * page only offers what would be accepted.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type * as Y from 'yjs';
import type { CaseRecordView, RecordAddressee, Workspace } from '@yhteispoyta/local-api';
import { chatApi } from '../api/agent-api';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';
import { formatBytes, formatDateTime } from '../lib/format';
import { randomId } from '../lib/ids';
import { DecisionToPlan } from './DecisionToPlan';
import { ExportButtons } from '../export/ExportButtons';
import { MeetingMinutes } from './MeetingMinutes';
import { StatementForm } from './NewRecordForm';
import { workspaceOrgs } from './record-people';
import { RecordField } from './RecordField';
import { useRecordSubmit } from './use-record-submit';

/** Who is looking (and, in a meeting's minutes, how others see his caret). */
export interface RecordViewer {
  readonly userId: string;
  readonly orgId: string;
  readonly role: string;
  readonly name: string;
  readonly color: string;
}

interface CardProps {
  readonly record: CaseRecordView;
  readonly records: readonly CaseRecordView[];
  readonly workspace: Workspace;
  readonly viewer: RecordViewer;
  readonly nameOf: (userId: string) => string;
  readonly onSent: (record: CaseRecordView) => void;
  /** the plan's shared document once synced: a meeting decision can become an agreed action */
  readonly planDoc?: Y.Doc;
}

function headline(record: CaseRecordView, records: readonly CaseRecordView[], t: (key: string) => string): string {
  switch (record.kind) {
    case 'statement': {
      // A statement that answers a request is titled by what it answers.
      const request = records.find((r) => r.id === record.answers);
      return request?.kind === 'request' ? `${t('records.kinds.statement')}: ${request.subject}` : t('records.kinds.statement');
    }
    case 'request':
      return record.subject;
    case 'meeting':
      return record.title;
    case 'transition':
      return `${t(`records.transitions.${record.transition}`)}: ${record.description}`;
    case 'concern':
      return t(`records.urgency.${record.urgency}`);
    default:
      return t(`records.kinds.${record.kind}`);
  }
}

/** One record in the list. */
export function RecordCard(props: CardProps) {
  const { record, workspace, nameOf } = props;
  const { t, i18n } = useTranslation();
  const orgs = workspaceOrgs(workspace.members);
  const orgName = (orgId: string | null) => (orgId === null ? t('roles.client') : (orgs.find((o) => o.orgId === orgId)?.name ?? orgId));
  const addressee = (to: RecordAddressee) => (to.kind === 'org' ? orgName(to.orgId) : nameOf(to.userId));
  const titleId = `record-${record.id}`;
  return (
    <li className={`record-card record-${record.kind}`} aria-labelledby={titleId} data-testid="record">
      <div className="record-head">
        <span className="badge badge-kind">{t(`records.kinds.${record.kind}`)}</span>
        {'status' in record ? <span className={`badge badge-status badge-${record.status}`}>{t(`records.status.${record.status}`)}</span> : null}
        {record.pending ? <span className="pending-mark">{t('records.pending')}</span> : null}
        <h3 id={titleId}>{headline(record, props.records, t)}</h3>
      </div>
      <p className="record-meta">
        {t('records.by', { name: nameOf(record.author.userId), org: orgName(record.author.orgId), role: t(`roles.${record.author.role}`) })} ·{' '}
        <time dateTime={new Date(record.at).toISOString()}>{formatDateTime(record.at, i18n.language)}</time>
      </p>
      <RecordBody {...props} orgName={orgName} addressee={addressee} />
      {record.kind === 'meeting' && record.status !== 'cancelled' ? <Minutes {...props} /> : null}
      {record.steps.length > 1 ? (
        <details className="record-steps">
          <summary>{t('records.steps')}</summary>
          <ol>
            {record.steps.map((step, index) => (
              <li key={`${step.seq}-${index}`}>
                {t(`records.stepKinds.${step.t}`)} — {nameOf(step.by.userId)}, {formatDateTime(step.at, i18n.language)}
                {step.pending ? ` (${t('records.pending')})` : ''}
              </li>
            ))}
          </ol>
        </details>
      ) : null}
      <RecordActions {...props} />
      <ExportButtons workspaceId={workspace.workspaceId} what="record" recordId={record.id} label={headline(record, props.records, t)} />
    </li>
  );
}

/** The meeting's minutes behind a disclosure: the room opens only when they are shown. */
function Minutes({ record, workspace, viewer }: CardProps) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const titleId = `minutes-${record.id}`;
  return (
    <details className="record-steps" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary id={titleId}>{t('records.minutes')}</summary>
      {open ? (
        <>
          <MeetingMinutes workspaceId={workspace.workspaceId} meetingId={record.id} user={{ name: viewer.name, color: viewer.color, userId: viewer.userId }} labelledBy={titleId} />
          {record.kind === 'meeting' ? <ExportButtons workspaceId={workspace.workspaceId} what="minutes" recordId={record.id} label={t('export.minutesOf', { title: record.title })} /> : null}
        </>
      ) : null}
    </details>
  );
}

function Attachments({ workspaceId, list }: { workspaceId: string; list: readonly { blobId: string; name: string; size: number }[] }) {
  const { t, i18n } = useTranslation();
  const download = useAction();
  if (list.length === 0) return null;
  return (
    <div>
      <ul className="attachments" aria-label={t('records.fields.attachments')}>
        {list.map((a) => (
          <li key={a.blobId}>
            <span className="attachment-name">{a.name}</span> ({formatBytes(a.size, i18n.language)}){' '}
            <button
              type="button"
              className="button-link"
              disabled={download.busy}
              onClick={() =>
                void download.run(async () => {
                  const blob = await chatApi.download(workspaceId, a.blobId, randomId());
                  const url = URL.createObjectURL(blob);
                  const link = document.createElement('a');
                  link.href = url;
                  link.download = a.name;
                  link.click();
                  setTimeout(() => URL.revokeObjectURL(url), 10_000);
                })
              }
            >
              {t('records.download', { name: a.name })}
            </button>
          </li>
        ))}
      </ul>
      <ErrorNotice error={download.error} />
    </div>
  );
}

function Labelled({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="record-part">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function RecordBody({
  record,
  records,
  workspace,
  planDoc,
  nameOf,
  orgName,
  addressee,
}: CardProps & { orgName: (orgId: string | null) => string; addressee: (to: RecordAddressee) => string }) {
  const { t, i18n } = useTranslation();
  const prose = (text: string) => <span className="record-prose">{text}</span>;
  switch (record.kind) {
    case 'request': {
      const answer = records.find((r) => r.id === record.answeredBy);
      return (
        <>
          <dl className="record-parts">
            <Labelled label={t('records.fields.to')}>{addressee(record.to)}</Labelled>
            <Labelled label={t('records.fields.question')}>{prose(record.question)}</Labelled>
            <Labelled label={t('records.fields.reason')}>{prose(record.reason)}</Labelled>
            <Labelled label={t('records.fields.due')}>{record.due}</Labelled>
            {answer === undefined ? null : <Labelled label={t('records.answeredBy')}>{nameOf(answer.author.userId)}</Labelled>}
          </dl>
          <Attachments workspaceId={workspace.workspaceId} list={record.attachments} />
        </>
      );
    }
    case 'statement': {
      const request = records.find((r) => r.id === record.answers);
      return (
        <>
          <dl className="record-parts">
            {request === undefined || request.kind !== 'request' ? null : <Labelled label={t('records.answers')}>{request.subject}</Labelled>}
            <Labelled label={t('records.fields.content')}>{prose(record.content)}</Labelled>
            <Labelled label={t('records.fields.reasons')}>{prose(record.reasons)}</Labelled>
          </dl>
          <Attachments workspaceId={workspace.workspaceId} list={record.attachments} />
        </>
      );
    }
    case 'decision':
      return (
        <dl className="record-parts">
          <Labelled label={t('records.fields.decision')}>{prose(record.content)}</Labelled>
          {record.cites.map((c) => {
            const cited = records.find((r) => r.id === c.statementId);
            return (
              <Labelled key={c.statementId} label={t('records.consideredStatement', { name: cited === undefined ? '' : nameOf(cited.author.userId) })}>
                {prose(c.consideration)}
              </Labelled>
            );
          })}
        </dl>
      );
    case 'concern':
      return (
        <dl className="record-parts">
          <Labelled label={t('records.fields.toOrg')}>{orgName(record.toOrgId)}</Labelled>
          <Labelled label={t('records.fields.concernContent')}>{prose(record.content)}</Labelled>
          <Labelled label={t('records.fields.clientTold')}>{record.clientTold ? t('records.yes') : t('records.no')}</Labelled>
          {record.feedback === undefined ? null : (
            <Labelled label={t('records.feedbackBy', { name: nameOf(record.feedback.by.userId) })}>{prose(record.feedback.content)}</Labelled>
          )}
        </dl>
      );
    case 'meeting':
      return (
        <dl className="record-parts">
          <Labelled label={t('records.fields.startsAt')}>{formatDateTime(record.startsAt, i18n.language)}</Labelled>
          {record.place === undefined ? null : <Labelled label={t('records.fields.place')}>{record.place}</Labelled>}
          {record.link === undefined ? null : (
            <Labelled label={t('records.fields.link')}>
              <a href={record.link} rel="noopener noreferrer" target="_blank">
                {record.link}
              </a>
            </Labelled>
          )}
          <Labelled label={t('records.fields.agenda')}>
            <ol>
              {record.agenda.map((item, index) => (
                <li key={index}>{item}</li>
              ))}
            </ol>
          </Labelled>
          <Labelled label={t('records.fields.invited')}>{record.invited.map(nameOf).join(', ')}</Labelled>
          {record.status === 'held' ? <Labelled label={t('records.fields.attended')}>{record.attended.map(nameOf).join(', ') || '—'}</Labelled> : null}
          {record.decisions.length === 0 ? null : (
            <Labelled label={t('records.meetingDecisions')}>
              <ul>
                {record.decisions.map((d) => (
                  <li key={d.id} data-testid="meeting-decision">
                    {d.text}
                    {d.action === undefined ? null : ` — ${t('records.actionOf', { name: nameOf(d.action.ownerUserId), due: d.action.due })}`}{' '}
                    {planDoc === undefined ? null : <DecisionToPlan doc={planDoc} workspaceId={workspace.workspaceId} meetingId={record.id} decision={d} />}
                  </li>
                ))}
              </ul>
            </Labelled>
          )}
        </dl>
      );
    case 'transition':
      return (
        <dl className="record-parts">
          <Labelled label={t('records.fields.date')}>{record.date}</Labelled>
          <Labelled label={t('records.fields.actor')}>{addressee(record.actor)}</Labelled>
        </dl>
      );
  }
}

/** Whether the viewer answers a request: its organisation, or the addressed member (or his organisation). */
function answers(record: Extract<CaseRecordView, { kind: 'request' }>, viewer: RecordViewer, workspace: Workspace): boolean {
  if (record.to.kind === 'org') return viewer.role !== 'client' && record.to.orgId === viewer.orgId;
  if (record.to.userId === viewer.userId) return true;
  const { userId } = record.to;
  const member = workspace.members.find((m) => m.userId === userId);
  return member !== undefined && member.role !== 'client' && viewer.role !== 'client' && member.orgId === viewer.orgId;
}

function RecordActions({ record, workspace, viewer, nameOf, onSent }: CardProps) {
  const { t } = useTranslation();
  const step = useRecordSubmit(workspace.workspaceId);
  const [open, setOpen] = useState(false);
  const own = record.author.userId === viewer.userId;
  const professional = viewer.role !== 'client';
  const button = (label: string, action: unknown, danger = false) => (
    <button type="button" className={danger ? 'button-secondary' : undefined} disabled={step.action.busy} onClick={() => step.submit(action, onSent)}>
      {label}
    </button>
  );
  const toggle = (label: string) => (
    <button type="button" className="button-secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
      {label}
    </button>
  );
  let buttons: React.ReactNode = null;
  let form: React.ReactNode = null;
  if (record.kind === 'request') {
    if (own && record.status === 'answered') buttons = button(t('records.actions.acknowledge'), { t: 'request_acknowledge', requestId: record.id });
    else if (own && record.status === 'sent') buttons = button(t('records.actions.withdraw'), { t: 'request_withdraw', requestId: record.id }, true);
    else if (record.status === 'sent' && answers(record, viewer, workspace)) {
      buttons = toggle(t('records.actions.answer'));
      if (open) form = <StatementForm workspace={workspace} answers={record.id} onSent={(r) => { setOpen(false); onSent(r); }} />;
    }
  } else if (record.kind === 'concern' && record.status === 'sent' && professional && record.toOrgId === viewer.orgId) {
    buttons = toggle(t('records.actions.feedback'));
    if (open) form = <FeedbackForm workspace={workspace} concernId={record.id} onSent={(r) => { setOpen(false); onSent(r); }} />;
  } else if (record.kind === 'meeting' && record.status !== 'cancelled' && professional) {
    const invited = own || record.invited.includes(viewer.userId) || record.attended.includes(viewer.userId);
    buttons = (
      <>
        {invited ? toggle(t('records.actions.meetingRecord')) : null}
        {own && record.status === 'planned' ? button(t('records.actions.cancelMeeting'), { t: 'meeting_cancel', meetingId: record.id }, true) : null}
      </>
    );
    if (open && invited) {
      form = (
        <>
          {own ? <AttendanceForm workspace={workspace} record={record} nameOf={nameOf} onSent={onSent} /> : null}
          <MeetingDecisionForm workspace={workspace} meetingId={record.id} nameOf={nameOf} onSent={onSent} />
        </>
      );
    }
  }
  if (buttons === null) return null;
  return (
    <div className="record-actions">
      <div className="button-row">{buttons}</div>
      <ErrorNotice error={step.action.error} />
      {form}
    </div>
  );
}

function FeedbackForm({ workspace, concernId, onSent }: { workspace: Workspace; concernId: string; onSent: (record: CaseRecordView) => void }) {
  const { t } = useTranslation();
  const send = useRecordSubmit(workspace.workspaceId);
  const [content, setContent] = useState('');
  return (
    <form
      aria-label={t('records.actions.feedback')}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        send.submit({ t: 'concern_feedback', concernId, content }, onSent);
      }}
    >
      <RecordField label={t('records.fields.feedback')} error={send.errors['content']}>
        <textarea rows={3} value={content} onChange={(event) => setContent(event.target.value)} />
      </RecordField>
      <ErrorNotice error={send.action.error} />
      <div className="button-row">
        <button type="submit" disabled={send.action.busy}>
          {t('records.actions.sendFeedback')}
        </button>
      </div>
    </form>
  );
}

function AttendanceForm({ workspace, record, nameOf, onSent }: { workspace: Workspace; record: Extract<CaseRecordView, { kind: 'meeting' }>; nameOf: (userId: string) => string; onSent: (record: CaseRecordView) => void }) {
  const { t } = useTranslation();
  const send = useRecordSubmit(workspace.workspaceId);
  const [attended, setAttended] = useState<ReadonlySet<string>>(new Set(record.attended));
  return (
    <form
      aria-label={t('records.actions.attendance')}
      onSubmit={(event) => {
        event.preventDefault();
        send.submit({ t: 'meeting_attendance', meetingId: record.id, attended: [...attended] }, onSent);
      }}
    >
      <fieldset>
        <legend>{t('records.fields.attended')}</legend>
        {record.invited.map((userId) => (
          <label key={userId} className="choice">
            <input
              type="checkbox"
              checked={attended.has(userId)}
              onChange={(event) => {
                const next = new Set(attended);
                if (event.target.checked) next.add(userId);
                else next.delete(userId);
                setAttended(next);
              }}
            />{' '}
            {nameOf(userId)}
          </label>
        ))}
      </fieldset>
      <ErrorNotice error={send.action.error} />
      <div className="button-row">
        <button type="submit" disabled={send.action.busy}>
          {t('records.actions.attendance')}
        </button>
      </div>
    </form>
  );
}

function MeetingDecisionForm({ workspace, meetingId, nameOf, onSent }: { workspace: Workspace; meetingId: string; nameOf: (userId: string) => string; onSent: (record: CaseRecordView) => void }) {
  const { t } = useTranslation();
  const send = useRecordSubmit(workspace.workspaceId);
  const [text, setText] = useState('');
  const [owner, setOwner] = useState('');
  const [due, setDue] = useState('');
  return (
    <form
      aria-label={t('records.actions.meetingDecision')}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const action = owner === '' && due === '' ? {} : { action: { ownerUserId: owner, due } };
        send.submit({ t: 'meeting_decision', meetingId, text, ...action }, (record) => {
          setText('');
          setOwner('');
          setDue('');
          onSent(record);
        });
      }}
    >
      <RecordField label={t('records.fields.meetingDecision')} error={send.errors['text']}>
        <textarea rows={2} value={text} onChange={(event) => setText(event.target.value)} />
      </RecordField>
      <RecordField label={t('records.fields.actionOwner')} error={send.errors['action']}>
        <select value={owner} onChange={(event) => setOwner(event.target.value)}>
          <option value="">{t('records.noAction')}</option>
          {workspace.members.map((m) => (
            <option key={m.userId} value={m.userId}>
              {nameOf(m.userId)}
            </option>
          ))}
        </select>
      </RecordField>
      <RecordField label={t('records.fields.actionDue')} error={send.errors['action']}>
        <input type="date" value={due} onChange={(event) => setDue(event.target.value)} />
      </RecordField>
      <ErrorNotice error={send.action.error} />
      <div className="button-row">
        <button type="submit" disabled={send.action.busy}>
          {t('records.actions.meetingDecision')}
        </button>
      </div>
    </form>
  );
}
