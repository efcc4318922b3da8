/**
 * The agreed actions (sovitut toimenpiteet) of the plan as a table everyone edits at the
 * same time: what is done, who is responsible (a member chosen from the verified members,
 * shown with his certified name and organisation; an earlier version's free-text owner
 * still shows), by when — an action past its due date and not done says "Myöhässä" in
 * words — and how far it is; an action made from a meeting decision says so. Each cell is
 * its own field in the shared document; text cells are collaborative text written
 * keystroke by keystroke, so two people typing into one cell both keep what they wrote.
 */
import { InlineConfirm } from '../app/InlineConfirm';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type * as Y from 'yjs';
import { isOverdue, localDate } from '@yhteispoyta/local-api';
import type { Member, Workspace } from '@yhteispoyta/local-api';
import { routeHash } from '../app/route';
import { randomId } from '../lib/ids';
import { useMemberName } from '../members/use-member-name';
import { CollaborativeInput } from './CollaborativeInput';
import { CommitInput } from './CommitInput';
import { ACTION_STATUSES, MAX_ACTION_FIELD_CHARS, actionText, addAction, editActionText, removeAction, updateAction } from './plan-doc';
import type { ActionItem, ActionStatus, ActionTextField } from './plan-doc';
import { useActions } from './use-actions';

/** The actions table and the form that adds one. */
export function ActionItems({ doc, workspace }: { doc: Y.Doc; workspace: Workspace }) {
  const { t } = useTranslation();
  const { items, unreadable } = useActions(doc);
  const today = localDate(Date.now());
  const nameOf = useMemberName(workspace.members);
  const owners = ownerChoices(workspace.members, nameOf, t('roles.client'));
  return (
    <section className="actions" aria-labelledby="actions-title">
      <h2 id="actions-title">{t('plan.actions.title')}</h2>
      <p className="hint">{t('plan.actions.hint')}</p>
      {unreadable > 0 ? (
        <p className="notice notice-warning" role="status">
          {t('plan.actions.unreadable', { count: unreadable })}
        </p>
      ) : null}
      {items.length === 0 ? (
        <p className="empty">{t('plan.actions.none')}</p>
      ) : (
        <div className="table-wrap">
          <table className="actions-table">
            <caption className="visually-hidden">{t('plan.actions.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('plan.actions.what')}</th>
                <th scope="col">{t('plan.actions.owner')}</th>
                <th scope="col">{t('plan.actions.organisation')}</th>
                <th scope="col">{t('plan.actions.due')}</th>
                <th scope="col">{t('plan.actions.status')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('plan.actions.tools')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((item, index) => {
                const row = index + 1;
                const overdue = isOverdue(item.due, item.status === 'done', today);
                const owner = item.ownerUserId === undefined ? undefined : workspace.members.find((m) => m.userId === item.ownerUserId);
                return (
                  <tr key={item.id} data-action-id={item.id} className={overdue ? 'action-overdue' : undefined}>
                    <td data-label={t('plan.actions.what')}>
                      <TextCell doc={doc} actionId={item.id} field="what" value={item.what} label={t('plan.actions.whatRow', { row })} />
                      {item.fromMeetingId === undefined ? null : (
                        <p className="action-source">
                          <a href={routeHash({ name: 'workspace', workspaceId: workspace.workspaceId, tab: 'records' })} data-testid="action-source">
                            {t('tasks.fromMeetingDecision')}
                          </a>
                        </p>
                      )}
                    </td>
                    <td data-label={t('plan.actions.owner')}>
                      <OwnerCell doc={doc} item={item} owners={owners} nameOf={nameOf} label={t('plan.actions.ownerRow', { row })} />
                    </td>
                    <td data-label={t('plan.actions.organisation')}>
                      {item.ownerUserId === undefined ? (
                        <TextCell doc={doc} actionId={item.id} field="organisation" value={item.organisation} label={t('plan.actions.organisationRow', { row })} />
                      ) : (
                        <span>{owner?.orgName ?? (owner?.role === 'client' ? t('roles.client') : '—')}</span>
                      )}
                    </td>
                    <td data-label={t('plan.actions.due')}>
                      <input
                        type="date"
                        aria-label={t('plan.actions.dueRow', { row })}
                        value={item.due}
                        onChange={(event) => updateAction(doc, item.id, 'due', event.target.value)}
                      />
                      {overdue ? (
                        <span className="badge badge-overdue" data-testid="overdue">
                          <span aria-hidden="true">⚠ </span>
                          {t('tasks.overdue')}
                        </span>
                      ) : null}
                    </td>
                    <td data-label={t('plan.actions.status')}>
                      <select
                        aria-label={t('plan.actions.statusRow', { row })}
                        value={item.status}
                        className={`status-select status-${item.status}`}
                        onChange={(event) => updateAction(doc, item.id, 'status', event.target.value)}
                      >
                        {ACTION_STATUSES.map((s) => (
                          <option key={s} value={s}>
                            {t(`plan.actions.statuses.${s}`)}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <InlineConfirm
                        label={t('plan.actions.remove')}
                        ariaLabel={`${t('plan.actions.remove')}: ${item.what}`}
                        question={t('plan.actions.confirmRemove', { what: item.what })}
                        confirmLabel={t('plan.actions.removeYes')}
                        cancelLabel={t('common.cancel')}
                        busy={false}
                        onConfirm={() => removeAction(doc, item.id)}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <AddActionForm doc={doc} owners={owners} />
    </section>
  );
}

/** A member who can own an action: certified (his name and organisation come from certificates). */
interface OwnerChoice {
  readonly userId: string;
  readonly label: string;
}

function ownerChoices(members: readonly Member[], nameOf: (userId: string) => string, clientLabel: string): OwnerChoice[] {
  return members
    .filter((m) => m.certified)
    .map((m) => ({ userId: m.userId, label: `${nameOf(m.userId)} (${m.role === 'client' ? clientLabel : (m.orgName ?? m.orgId)})` }));
}

/** Who is responsible: a select of the verified members; an earlier free-text owner stays readable as the empty choice. */
function OwnerCell({ doc, item, owners, nameOf, label }: { doc: Y.Doc; item: ActionItem; owners: readonly OwnerChoice[]; nameOf: (userId: string) => string; label: string }) {
  const { t } = useTranslation();
  const known = item.ownerUserId === undefined || owners.some((o) => o.userId === item.ownerUserId);
  return (
    <select aria-label={label} value={item.ownerUserId ?? ''} onChange={(event) => updateAction(doc, item.id, 'ownerUserId', event.target.value)}>
      <option value="">{item.owner.trim() === '' ? t('tasks.noOwner') : t('tasks.freeTextOwner', { owner: item.owner })}</option>
      {known ? null : <option value={item.ownerUserId}>{t('tasks.formerMember', { name: nameOf(item.ownerUserId ?? '') })}</option>}
      {owners.map((o) => (
        <option key={o.userId} value={o.userId}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

/** One text cell: collaborative text, or (a field an earlier version wrote as a plain string) a field that becomes one at its first edit. */
function TextCell({ doc, actionId, field, value, label }: { doc: Y.Doc; actionId: string; field: ActionTextField; value: string; label: string }) {
  const text = actionText(doc, actionId, field);
  const edit = (next: string) => editActionText(doc, actionId, field, next);
  if (text === undefined) return <CommitInput aria-label={label} maxLength={MAX_ACTION_FIELD_CHARS} value={value} onCommit={edit} />;
  return <CollaborativeInput aria-label={label} maxLength={MAX_ACTION_FIELD_CHARS} text={text} onEdit={edit} wrap />;
}

function AddActionForm({ doc, owners }: { doc: Y.Doc; owners: readonly OwnerChoice[] }) {
  const { t } = useTranslation();
  const [what, setWhat] = useState('');
  const [owner, setOwner] = useState('');
  const [due, setDue] = useState('');
  const [status, setStatus] = useState<ActionStatus>('planned');
  const ids = { what: useId(), owner: useId(), due: useId(), status: useId() };
  return (
    <form
      className="add-action"
      onSubmit={(event) => {
        event.preventDefault();
        if (what.trim() === '') return;
        addAction(doc, { id: randomId(), what: what.trim(), owner: '', organisation: '', due, status, ...(owner === '' ? {} : { ownerUserId: owner }) });
        setWhat('');
        setOwner('');
        setDue('');
        setStatus('planned');
      }}
    >
      <fieldset>
        <legend>{t('plan.actions.add')}</legend>
        <div className="field-row">
          <div className="field wide">
            <label htmlFor={ids.what}>{t('plan.actions.what')}</label>
            <input id={ids.what} maxLength={MAX_ACTION_FIELD_CHARS} value={what} onChange={(e) => setWhat(e.target.value)} required />
          </div>
          <div className="field">
            <label htmlFor={ids.owner}>{t('plan.actions.owner')}</label>
            <select id={ids.owner} value={owner} onChange={(e) => setOwner(e.target.value)}>
              <option value="">{t('tasks.noOwner')}</option>
              {owners.map((o) => (
                <option key={o.userId} value={o.userId}>
                  {o.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={ids.due}>{t('plan.actions.due')}</label>
            <input id={ids.due} type="date" value={due} onChange={(e) => setDue(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={ids.status}>{t('plan.actions.status')}</label>
            <select
              id={ids.status}
              value={status}
              onChange={(e) => setStatus(ACTION_STATUSES.find((s) => s === e.target.value) ?? 'planned')}
            >
              {ACTION_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`plan.actions.statuses.${s}`)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <button type="submit" disabled={what.trim() === ''}>
          {t('plan.actions.addButton')}
        </button>
      </fieldset>
    </form>
  );
}
