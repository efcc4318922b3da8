/**
 * Invitations waiting for this professional's decision (issue 15): "<name>, <organisation>
 * kutsui sinut: <label>". Who invited him is what his certificates say; the label is the
 * inviter's own text, which nobody vouches for, so it is marked unverified. Until he
 * accepts, the workspace is not among his; declining takes him out of it.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { WorkspaceInvitation } from '@yhteispoyta/local-api';
import { invitationsApi } from '../api/invitations-api';
import { useAgent } from '../app/agent-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { InlineConfirm } from '../app/InlineConfirm';
import { useAction } from '../app/use-action';
import { useWorkspaces } from '../app/workspaces-context';
import { formatAgo } from '../lib/format';

/** The invitations section; renders nothing while there are none. */
export function InvitationList() {
  const { t } = useTranslation();
  const { onMembership } = useAgent();
  const { refresh } = useWorkspaces();
  const [invitations, setInvitations] = useState<readonly WorkspaceInvitation[]>([]);
  const [loadError, setLoadError] = useState<unknown>(undefined);
  const load = useCallback(() => {
    invitationsApi.list().then(
      (list) => {
        setInvitations(list);
        setLoadError(undefined);
      },
      (error: unknown) => setLoadError(error),
    );
  }, []);
  useEffect(load, [load]);
  useEffect(() => onMembership(load), [onMembership, load]);
  const decided = useCallback(() => {
    load();
    refresh();
  }, [load, refresh]);

  if (invitations.length === 0 && loadError === undefined) return null;
  return (
    <section className="invitations" aria-labelledby="invitations-title">
      <h2 id="invitations-title">{t('invitations.title', { count: invitations.length })}</h2>
      <ErrorNotice error={loadError} />
      <ul className="workspace-cards">
        {invitations.map((invitation) => (
          <InvitationCard key={invitation.workspaceId} invitation={invitation} onDecided={decided} />
        ))}
      </ul>
    </section>
  );
}

function InvitationCard({ invitation, onDecided }: { invitation: WorkspaceInvitation; onDecided: () => void }) {
  const { t, i18n } = useTranslation();
  const action = useAction();
  const { invitedBy } = invitation;
  const inviter =
    invitedBy.displayName === undefined
      ? t('invitations.unknownInviter')
      : invitedBy.orgName === undefined
        ? invitedBy.displayName
        : `${invitedBy.displayName}, ${invitedBy.orgName}`;
  const label = invitation.label === '' ? t('invitations.noLabel') : invitation.label;
  const titleId = `invitation-${invitation.workspaceId}`;
  return (
    <li className="workspace-card invitation-card" aria-labelledby={titleId}>
      <h3 id={titleId}>{t('invitations.invitedYou', { inviter, label })}</h3>
      <p className="card-meta">
        <span className={`badge badge-${invitation.kind}`}>{t(`workspaces.kinds.${invitation.kind}`)}</span>
        <span className="badge">{t('invitations.labelUnverified')}</span>
        {invitedBy.certified ? <span>{t('invitations.inviterCertified')}</span> : <span className="warning-text">{t('invitations.inviterUncertified')}</span>}
        {invitation.invitedAt > 0 ? <span>{formatAgo(invitation.invitedAt, i18n.language)}</span> : null}
      </p>
      <p className="hint">{t('invitations.explain')}</p>
      <ErrorNotice error={action.error} />
      <div className="button-row">
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            void action.run(async () => {
              await invitationsApi.accept(invitation.workspaceId);
              onDecided();
            })
          }
        >
          {t('invitations.accept')}
        </button>
        <InlineConfirm
          label={t('invitations.decline')}
          question={t('invitations.declineConfirm', { label })}
          confirmLabel={t('invitations.declineYes')}
          cancelLabel={t('common.cancel')}
          busy={action.busy}
          onConfirm={() =>
            void action.run(async () => {
              await invitationsApi.decline(invitation.workspaceId);
              onDecided();
            })
          }
        />
      </div>
    </li>
  );
}
