/**
 * Safety numbers between this person and each other member: one number per person,
 * covering all his certified devices (a new device of his does not change it). Comparing
 * the number with the other person (face to face or on the phone) proves nobody, not
 * even the server, slipped in a key of their own; after that it can be marked as
 * verified. A changed key is shown as a warning: nothing is sent to that person until
 * the user has compared the NEW number shown and accepted it.
 */
import { InlineConfirm } from '../app/InlineConfirm';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Identity, Workspace } from '@yhteispoyta/local-api';
import { workspacesApi } from '../api/agent-api';
import { useAgent } from '../app/agent-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';
import { useReload } from '../app/use-reload';
import { safetyNumberGroups } from '../lib/safety-number';
import { useRefreshIdentityStates } from './identity-states';
import { SafetyQr } from './SafetyQr';
import { useMemberName } from './use-member-name';

/** The safety-number view of a workspace. */
export function SafetyView({ workspace }: { workspace: Workspace }) {
  const { t } = useTranslation();
  const { onMembership, onDevices } = useAgent();
  const [identities, setIdentities] = useState<Identity[] | undefined>(undefined);
  const workspaceId = workspace.workspaceId;
  const load = useReload(useCallback(async () => setIdentities(await workspacesApi.identities(workspaceId)), [workspaceId]));
  const loadIdentities = load.reload;

  const refreshMarks = useRefreshIdentityStates();
  const reload = useCallback(() => {
    loadIdentities();
    refreshMarks();
  }, [loadIdentities, refreshMarks]);
  useEffect(reload, [reload]);
  useEffect(() => onMembership((id) => id === workspaceId && reload()), [onMembership, workspaceId, reload]);
  useEffect(() => onDevices(reload), [onDevices, reload]);

  const changed = identities?.filter((i) => i.changed).length ?? 0;
  const unverified = identities?.filter((i) => !i.changed && !i.verified).length ?? 0;
  return (
    <div className="safety-view">
      <h2>{t('safety.title')}</h2>
      <p className="lead">{t('safety.lead')}</p>
      <ErrorNotice error={load.error} />
      {changed > 0 ? (
        <div className="notice notice-danger" role="alert">
          <p>
            <strong>{t('safety.changedWarning', { count: changed })}</strong>
          </p>
        </div>
      ) : null}
      {unverified > 0 ? (
        <div className="notice notice-warning">
          <p>{t('safety.unverifiedWarning', { count: unverified })}</p>
        </div>
      ) : null}
      {identities === undefined ? (
        <p role="status">{t('common.loading')}</p>
      ) : identities.length === 0 ? (
        <p className="empty">{t('safety.none')}</p>
      ) : (
        <ul className="identity-list">
          {identities.map((identity) => (
            <IdentityCard key={identity.userId} identity={identity} workspace={workspace} onChanged={reload} />
          ))}
        </ul>
      )}
    </div>
  );
}

function IdentityCard({ identity, workspace, onChanged }: { identity: Identity; workspace: Workspace; onChanged(): void }) {
  const { t } = useTranslation();
  const nameOf = useMemberName(workspace.members);
  const action = useAction();
  const certifiedName = identity.displayName?.trim();
  const name = certifiedName === undefined || certifiedName === '' ? nameOf(identity.userId) : certifiedName;
  const groups = safetyNumberGroups(identity.safetyNumber);
  const state = identity.changed ? 'changed' : identity.verified ? 'verified' : 'unverified';
  const titleId = `identity-${identity.userId}`;
  const role = identity.role ?? (identity.kind === 'client' ? 'client' : undefined);
  return (
    <li className={`identity identity-${state}`} aria-labelledby={titleId} data-user-id={identity.userId}>
      <h3 id={titleId}>{name}</h3>
      {workspace.members.some((m) => m.userId === identity.userId && m.outsideConsent === true) ? (
        <p className="badge badge-waiting" data-testid="outside-consent">
          {t('consentCheck.outside')}
        </p>
      ) : null}
      <p className="identity-who">
        {role === undefined ? null : t(`roles.${role}`)}
        {identity.kind === 'professional' && identity.orgName !== undefined ? (
          <>
            {role === undefined ? '' : ' · '}
            {identity.orgName} <span className="muted">({t('safety.orgCertified')})</span>
          </>
        ) : null}
      </p>
      <p className={`identity-state state-${state}`}>
        <span aria-hidden="true">{state === 'verified' ? '✓ ' : state === 'changed' ? '⚠ ' : '○ '}</span>
        {t(`safety.states.${state}`)}
      </p>
      {state === 'changed' ? <p className="notice notice-danger">{t('safety.changedExplain', { name })}</p> : null}
      {groups === undefined ? (
        <p className="notice notice-error">{t('safety.malformed')}</p>
      ) : (
        <div className="safety-compare">
          <p className="safety-number" aria-label={t(state === 'changed' ? 'safety.newNumberLabel' : 'safety.numberLabel', { name })} data-testid="safety-number">
            {groups.map((group, index) => (
              <span key={index} className="digit-group">
                {group}
              </span>
            ))}
          </p>
          <SafetyQr safetyNumber={identity.safetyNumber} name={name} />
        </div>
      )}
      <p className="hint">{identity.devices.length === 0 ? t('safety.noDevices') : t('safety.covers', { count: identity.devices.length })}</p>
      <ErrorNotice error={action.error} />
      <div className="button-row">
        {state === 'changed' ? (
          <InlineConfirm
            label={t('safety.accept')}
            question={t('safety.confirmAccept', { name })}
            confirmLabel={t('safety.acceptYes')}
            cancelLabel={t('common.cancel')}
            busy={action.busy}
            onConfirm={() =>
              void action.run(async () => {
                await workspacesApi.acceptIdentity(identity.userId);
                onChanged();
              })
            }
          />
        ) : identity.verified ? (
          <button
            type="button"
            className="button-secondary"
            disabled={action.busy}
            onClick={() =>
              void action.run(async () => {
                await workspacesApi.setVerified(identity.userId, false);
                onChanged();
              })
            }
          >
            {t('safety.unverify')}
          </button>
        ) : (
          <button
            type="button"
            aria-label={`${t('safety.verify')}: ${name}`}
            disabled={action.busy}
            onClick={() =>
              void action.run(async () => {
                await workspacesApi.setVerified(identity.userId, true);
                onChanged();
              })
            }
          >
            {t('safety.verify')}
          </button>
        )}
      </div>
    </li>
  );
}
