/**
 * Inviting the client person into a case: the agent makes a one-time code, which is
 * shown once here to hand to the client (in person, by phone); the client creates a
 * profile on his own device and takes it into use with the code, and this agent then
 * certifies him under the name typed here. The name stays on this device and reaches the
 * members only inside the workspace's encryption: the server never learns it.
 */
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Workspace } from '@yhteispoyta/local-api';
import { workspacesApi } from '../api/agent-api';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';
import { CopyableCode } from '../app/CopyableCode';
import { formatDateTime } from '../lib/format';
import { invitationUsed } from './member-groups';

/**
 * The invite-client form (owners of a case). Once the client is a member no new code is
 * offered, but a code just created stays on screen: it is shown only this once.
 */
export function InviteClientForm({ workspace, clientPresent }: { workspace: Workspace; clientPresent: boolean }) {
  const { t, i18n } = useTranslation();
  const [name, setName] = useState('');
  const [invitation, setInvitation] = useState<{ code: string; expiresAt: number; name: string; userId: string } | undefined>(undefined);
  const used = invitation !== undefined && invitationUsed(workspace.members, invitation.userId);
  const invite = useAction();
  const ids = { name: useId(), nameHint: useId() };
  return (
    <div className="card" aria-labelledby="invite-client-title" role="group">
      <h3 id="invite-client-title">{t('invite.title')}</h3>
      {clientPresent && invitation === undefined ? <p>{t('invite.alreadyClient')}</p> : null}
      {clientPresent ? null : (
        <>
          <p className="hint">{t('invite.lead')}</p>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              void invite.run(async () => {
                const created = await workspacesApi.inviteClient(workspace.workspaceId, name.trim());
                setInvitation({ code: created.code, expiresAt: created.expiresAt, name: name.trim(), userId: created.userId });
                setName('');
              });
            }}
          >
            <label htmlFor={ids.name}>{t('invite.name')}</label>
            <p id={ids.nameHint} className="hint">
              {t('invite.namePrivate')}
            </p>
            <input id={ids.name} aria-describedby={ids.nameHint} maxLength={100} value={name} onChange={(e) => setName(e.target.value)} required />
            <ErrorNotice error={invite.error} />
            <button type="submit" disabled={invite.busy || name.trim() === ''} aria-busy={invite.busy}>
              {invite.busy ? t('invite.creating') : t('invite.create')}
            </button>
          </form>
        </>
      )}
      {invitation !== undefined && used ? (
        // The code was used: it is no longer shown (it would only invite a second try that fails).
        <p className="notice notice-success" role="status" data-testid="invitation-used">
          {t('inviteUsed.joined', { name: invitation.name })}
        </p>
      ) : null}
      {invitation === undefined || used ? null : (
        <div className="notice notice-success invitation" role="status">
          <p>
            <strong>{t('invite.created', { name: invitation.name })}</strong>
          </p>
          <CopyableCode label={t('invite.code')} code={invitation.code} testId="invitation-code" />
          <p className="hint">{t('invite.once', { until: formatDateTime(invitation.expiresAt, i18n.language) })}</p>
          <p className="hint">{t('invite.certifies', { name: invitation.name })}</p>
        </div>
      )}
    </div>
  );
}
