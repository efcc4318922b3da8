/**
 * Starting a record: an information request (lisäselvityspyyntö), a statement (lausunto),
 * a decision, a concern notice (ilmoitus sosiaalihuollon tarpeesta), a network meeting
 * (verkostoneuvottelu) or a transition point (nivelvaihe). Each form is checked with the
 * contract's schema before it is sent; a refused field is marked and explained, and what
 * was typed stays until the agent accepted the record.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RECORD_CONCERN_URGENCIES, RECORD_TRANSITION_KINDS } from '@yhteispoyta/local-api';
import type { Attachment, CaseRecordView, Workspace } from '@yhteispoyta/local-api';
import { ErrorNotice } from '../app/ErrorNotice';
import { AttachmentPicker } from './AttachmentPicker';
import { addresseeValue, parseAddressee, workspaceOrgs } from './record-people';
import { RecordField } from './RecordField';
import { useRecordSubmit } from './use-record-submit';

/** Kinds of record a member starts here. */
const NEW_RECORD_KINDS = ['request', 'statement', 'decision', 'concern', 'meeting', 'transition'] as const;
type NewKind = (typeof NEW_RECORD_KINDS)[number];

interface FormProps {
  readonly workspace: Workspace;
  readonly records: readonly CaseRecordView[];
  readonly nameOf: (userId: string) => string;
  readonly onSent: (record: CaseRecordView) => void;
}

/** The "new record" panel: choose a kind, fill its form. */
export function NewRecordForm(props: FormProps) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<NewKind>('request');
  return (
    <section className="card new-record" aria-labelledby="new-record-title">
      <h3 id="new-record-title">{t('records.new')}</h3>
      <RecordField label={t('records.kindLabel')}>
        <select value={kind} onChange={(event) => setKind(NEW_RECORD_KINDS.find((k) => k === event.target.value) ?? 'request')}>
          {NEW_RECORD_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`records.kinds.${k}`)}
            </option>
          ))}
        </select>
      </RecordField>
      {kind === 'request' ? <RequestForm {...props} /> : null}
      {kind === 'statement' ? <StatementForm {...props} /> : null}
      {kind === 'decision' ? <DecisionForm {...props} /> : null}
      {kind === 'concern' ? <ConcernForm {...props} /> : null}
      {kind === 'meeting' ? <MeetingForm {...props} /> : null}
      {kind === 'transition' ? <TransitionForm {...props} /> : null}
    </section>
  );
}

/** The addressee choices: the workspace's organisations, then its members. */
function AddresseeOptions({ workspace, nameOf }: Pick<FormProps, 'workspace' | 'nameOf'>) {
  const { t } = useTranslation();
  return (
    <>
      <option value="">{t('records.choose')}</option>
      <optgroup label={t('records.fields.orgs')}>
        {workspaceOrgs(workspace.members).map((org) => (
          <option key={org.orgId} value={addresseeValue({ kind: 'org', orgId: org.orgId })}>
            {org.name}
          </option>
        ))}
      </optgroup>
      <optgroup label={t('records.fields.members')}>
        {workspace.members.map((m) => (
          <option key={m.userId} value={addresseeValue({ kind: 'member', userId: m.userId })}>
            {nameOf(m.userId)} ({t(`roles.${m.role}`)})
          </option>
        ))}
      </optgroup>
    </>
  );
}

function SubmitRow({ busy, uploading = 0, label }: { busy: boolean; uploading?: number; label: string }) {
  const { t } = useTranslation();
  return (
    <div className="button-row">
      <button type="submit" disabled={busy || uploading > 0}>
        {uploading > 0 ? t('records.uploading') : label}
      </button>
    </div>
  );
}

function RequestForm({ workspace, nameOf, onSent }: FormProps) {
  const { t } = useTranslation();
  const send = useRecordSubmit(workspace.workspaceId);
  const [to, setTo] = useState('');
  const [subject, setSubject] = useState('');
  const [question, setQuestion] = useState('');
  const [reason, setReason] = useState('');
  const [due, setDue] = useState('');
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [uploading, setUploading] = useState(0);
  return (
    <form
      aria-label={t('records.kinds.request')}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        send.submit({ t: 'request', to: parseAddressee(to), subject, question, reason, due, attachments }, (record) => {
          setTo('');
          setSubject('');
          setQuestion('');
          setReason('');
          setDue('');
          setAttachments([]);
          onSent(record);
        });
      }}
    >
      <RecordField label={t('records.fields.to')} error={send.errors['to']}>
        <select value={to} onChange={(event) => setTo(event.target.value)}>
          <AddresseeOptions workspace={workspace} nameOf={nameOf} />
        </select>
      </RecordField>
      <RecordField label={t('records.fields.subject')} error={send.errors['subject']}>
        <input value={subject} onChange={(event) => setSubject(event.target.value)} />
      </RecordField>
      <RecordField label={t('records.fields.question')} error={send.errors['question']}>
        <textarea rows={4} value={question} onChange={(event) => setQuestion(event.target.value)} />
      </RecordField>
      <RecordField label={t('records.fields.reason')} error={send.errors['reason']}>
        <textarea rows={2} value={reason} onChange={(event) => setReason(event.target.value)} />
      </RecordField>
      <RecordField label={t('records.fields.due')} error={send.errors['due']}>
        <input type="date" value={due} onChange={(event) => setDue(event.target.value)} />
      </RecordField>
      <AttachmentPicker workspaceId={workspace.workspaceId} value={attachments} onChange={setAttachments} onUploading={setUploading} />
      <ErrorNotice error={send.action.error} />
      <SubmitRow busy={send.action.busy} uploading={uploading} label={t('records.actions.sendRequest')} />
    </form>
  );
}

/** A statement, standing alone or answering `answers` (a request addressed to this person's organisation). */
export function StatementForm({ workspace, onSent, answers }: Pick<FormProps, 'workspace' | 'onSent'> & { answers?: string }) {
  const { t } = useTranslation();
  const send = useRecordSubmit(workspace.workspaceId);
  const [content, setContent] = useState('');
  const [reasons, setReasons] = useState('');
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [uploading, setUploading] = useState(0);
  return (
    <form
      aria-label={answers === undefined ? t('records.kinds.statement') : t('records.actions.answer')}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        send.submit({ t: 'statement', content, reasons, attachments, ...(answers === undefined ? {} : { answers }) }, (record) => {
          setContent('');
          setReasons('');
          setAttachments([]);
          onSent(record);
        });
      }}
    >
      <RecordField label={t('records.fields.content')} error={send.errors['content']}>
        <textarea rows={5} value={content} onChange={(event) => setContent(event.target.value)} />
      </RecordField>
      <RecordField label={t('records.fields.reasons')} error={send.errors['reasons']}>
        <textarea rows={3} value={reasons} onChange={(event) => setReasons(event.target.value)} />
      </RecordField>
      <AttachmentPicker workspaceId={workspace.workspaceId} value={attachments} onChange={setAttachments} onUploading={setUploading} />
      <ErrorNotice error={send.action.error} />
      <SubmitRow busy={send.action.busy} uploading={uploading} label={t('records.actions.sendStatement')} />
    </form>
  );
}

function DecisionForm({ workspace, records, nameOf, onSent }: FormProps) {
  const { t } = useTranslation();
  const send = useRecordSubmit(workspace.workspaceId);
  const [content, setContent] = useState('');
  const [considerations, setConsiderations] = useState<ReadonlyMap<string, string>>(new Map());
  const statements = records.filter((r) => r.kind === 'statement');
  return (
    <form
      aria-label={t('records.kinds.decision')}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const cites = [...considerations].map(([statementId, consideration]) => ({ statementId, consideration }));
        send.submit({ t: 'decision', content, cites }, (record) => {
          setContent('');
          setConsiderations(new Map());
          onSent(record);
        });
      }}
    >
      <RecordField label={t('records.fields.decision')} error={send.errors['content']}>
        <textarea rows={4} value={content} onChange={(event) => setContent(event.target.value)} />
      </RecordField>
      {statements.length === 0 ? null : (
        <fieldset>
          <legend>{t('records.fields.cites')}</legend>
          {statements.map((s) => {
            const cited = considerations.has(s.id);
            return (
              <div key={s.id}>
                <label className="choice">
                  <input
                    type="checkbox"
                    checked={cited}
                    onChange={(event) => {
                      const next = new Map(considerations);
                      if (event.target.checked) next.set(s.id, '');
                      else next.delete(s.id);
                      setConsiderations(next);
                    }}
                  />{' '}
                  {t('records.statementBy', { name: nameOf(s.author.userId) })}
                </label>
                {cited ? (
                  <RecordField label={t('records.fields.consideration')} error={send.errors['cites']}>
                    <textarea rows={2} value={considerations.get(s.id) ?? ''} onChange={(event) => setConsiderations(new Map(considerations).set(s.id, event.target.value))} />
                  </RecordField>
                ) : null}
              </div>
            );
          })}
        </fieldset>
      )}
      <ErrorNotice error={send.action.error} />
      <SubmitRow busy={send.action.busy} label={t('records.actions.sendDecision')} />
    </form>
  );
}

function ConcernForm({ workspace, onSent }: FormProps) {
  const { t } = useTranslation();
  const send = useRecordSubmit(workspace.workspaceId);
  const [toOrgId, setToOrgId] = useState('');
  const [urgency, setUrgency] = useState<string>('');
  const [content, setContent] = useState('');
  const [clientTold, setClientTold] = useState(false);
  return (
    <form
      aria-label={t('records.kinds.concern')}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        send.submit({ t: 'concern', toOrgId, urgency, content, clientTold }, (record) => {
          setToOrgId('');
          setUrgency('');
          setContent('');
          setClientTold(false);
          onSent(record);
        });
      }}
    >
      <RecordField label={t('records.fields.toOrg')} error={send.errors['toOrgId']}>
        <select value={toOrgId} onChange={(event) => setToOrgId(event.target.value)}>
          <option value="">{t('records.choose')}</option>
          {workspaceOrgs(workspace.members).map((org) => (
            <option key={org.orgId} value={org.orgId}>
              {org.name}
            </option>
          ))}
        </select>
      </RecordField>
      <fieldset aria-invalid={send.errors['urgency'] === undefined ? undefined : true}>
        <legend>{t('records.fields.urgency')}</legend>
        {RECORD_CONCERN_URGENCIES.map((u) => (
          <label key={u} className="choice">
            <input type="radio" name="urgency" value={u} checked={urgency === u} onChange={() => setUrgency(u)} /> {t(`records.urgency.${u}`)}
          </label>
        ))}
        {send.errors['urgency'] === undefined ? null : (
          <p className="field-error" role="alert">
            {send.errors['urgency']}
          </p>
        )}
      </fieldset>
      <RecordField label={t('records.fields.concernContent')} error={send.errors['content']}>
        <textarea rows={5} value={content} onChange={(event) => setContent(event.target.value)} />
      </RecordField>
      <label className="choice">
        <input type="checkbox" checked={clientTold} onChange={(event) => setClientTold(event.target.checked)} /> {t('records.fields.clientTold')}
      </label>
      <ErrorNotice error={send.action.error} />
      <SubmitRow busy={send.action.busy} label={t('records.actions.sendConcern')} />
    </form>
  );
}

/** `YYYY-MM-DDTHH:mm` of a datetime-local input as ms, or NaN. */
function localTime(value: string): number {
  return value === '' ? Number.NaN : new Date(value).getTime();
}

function MeetingForm({ workspace, nameOf, onSent }: FormProps) {
  const { t } = useTranslation();
  const send = useRecordSubmit(workspace.workspaceId);
  const [title, setTitle] = useState('');
  const [startsAt, setStartsAt] = useState('');
  const [place, setPlace] = useState('');
  const [link, setLink] = useState('');
  const [agenda, setAgenda] = useState('');
  const [invited, setInvited] = useState<ReadonlySet<string>>(new Set());
  return (
    <form
      aria-label={t('records.kinds.meeting')}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const items = agenda.split('\n').map((line) => line.trim()).filter((line) => line !== '');
        const when = localTime(startsAt);
        send.submit(
          {
            t: 'meeting', title, startsAt: Number.isNaN(when) ? undefined : when, agenda: items, invited: [...invited],
            ...(place.trim() === '' ? {} : { place }), ...(link.trim() === '' ? {} : { link: link.trim() }),
          },
          (record) => {
            setTitle('');
            setStartsAt('');
            setPlace('');
            setLink('');
            setAgenda('');
            setInvited(new Set());
            onSent(record);
          },
        );
      }}
    >
      <RecordField label={t('records.fields.title')} error={send.errors['title']}>
        <input value={title} onChange={(event) => setTitle(event.target.value)} />
      </RecordField>
      <RecordField label={t('records.fields.startsAt')} error={send.errors['startsAt'] === undefined ? undefined : t('records.fieldProblems.required')}>
        <input type="datetime-local" value={startsAt} onChange={(event) => setStartsAt(event.target.value)} />
      </RecordField>
      <RecordField label={t('records.fields.place')} error={send.errors['place']}>
        <input value={place} onChange={(event) => setPlace(event.target.value)} />
      </RecordField>
      <RecordField label={t('records.fields.link')} error={send.errors['link']}>
        <input type="url" value={link} onChange={(event) => setLink(event.target.value)} placeholder="https://" />
      </RecordField>
      <RecordField label={t('records.fields.agenda')} hint={t('records.fields.agendaHint')} error={send.errors['agenda']}>
        <textarea rows={4} value={agenda} onChange={(event) => setAgenda(event.target.value)} />
      </RecordField>
      <fieldset>
        <legend>{t('records.fields.invited')}</legend>
        {workspace.members.map((m) => (
          <label key={m.userId} className="choice">
            <input
              type="checkbox"
              checked={invited.has(m.userId)}
              onChange={(event) => {
                const next = new Set(invited);
                if (event.target.checked) next.add(m.userId);
                else next.delete(m.userId);
                setInvited(next);
              }}
            />{' '}
            {nameOf(m.userId)}
          </label>
        ))}
        {send.errors['invited'] === undefined ? null : (
          <p className="field-error" role="alert">
            {send.errors['invited']}
          </p>
        )}
      </fieldset>
      <ErrorNotice error={send.action.error} />
      <SubmitRow busy={send.action.busy} label={t('records.actions.sendMeeting')} />
    </form>
  );
}

function TransitionForm({ workspace, nameOf, onSent }: FormProps) {
  const { t } = useTranslation();
  const send = useRecordSubmit(workspace.workspaceId);
  const [kind, setKind] = useState('');
  const [description, setDescription] = useState('');
  const [date, setDate] = useState('');
  const [actor, setActor] = useState('');
  return (
    <form
      aria-label={t('records.kinds.transition')}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        send.submit({ t: 'transition', kind, description, date, actor: parseAddressee(actor) }, (record) => {
          setKind('');
          setDescription('');
          setDate('');
          setActor('');
          onSent(record);
        });
      }}
    >
      <RecordField label={t('records.fields.transitionKind')} error={send.errors['kind']}>
        <select value={kind} onChange={(event) => setKind(event.target.value)}>
          <option value="">{t('records.choose')}</option>
          {RECORD_TRANSITION_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`records.transitions.${k}`)}
            </option>
          ))}
        </select>
      </RecordField>
      <RecordField label={t('records.fields.description')} error={send.errors['description']}>
        <input value={description} onChange={(event) => setDescription(event.target.value)} />
      </RecordField>
      <RecordField label={t('records.fields.date')} error={send.errors['date']}>
        <input type="date" value={date} onChange={(event) => setDate(event.target.value)} />
      </RecordField>
      <RecordField label={t('records.fields.actor')} error={send.errors['actor']}>
        <select value={actor} onChange={(event) => setActor(event.target.value)}>
          <AddresseeOptions workspace={workspace} nameOf={nameOf} />
        </select>
      </RecordField>
      <ErrorNotice error={send.action.error} />
      <SubmitRow busy={send.action.busy} label={t('records.actions.sendTransition')} />
    </form>
  );
}
