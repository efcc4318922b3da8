/**
 * One member: name (certified), role, owner, here now, and whether certificates back him.
 * A member who is not certified gets no keys and nothing he sends is accepted, and a
 * device of his that no certificate backs is left out the same way: both are flagged in
 * words, not by colour alone. Owners can remove him.
 */
import { InlineConfirm } from '../app/InlineConfirm';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { Workspace } from '@yhteispoyta/local-api';
import { workspacesApi } from '../api/agent-api';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';
import { useWorkspaces } from '../app/workspaces-context';
import { VerifiedMark } from './identity-states';
import type { NamedMember } from './member-groups';

/** A member row. */
export function MemberRow({ workspace, member, isSelf, online, canRemove }: { workspace: Workspace; member: NamedMember; isSelf: boolean; online: boolean; canRemove: boolean }) {
  const { t } = useTranslation();
  const { upsert } = useWorkspaces();
  const remove = useAction();
  const explainId = useId();
  const flagged = member.standing === 'uncertified' || member.uncertifiedDevices.length > 0;
  return (
    <li className={flagged ? 'member member-flagged' : 'member'} data-user-id={member.userId} aria-describedby={flagged ? explainId : undefined}>
      <span className="member-name">
        {member.name}
        {isSelf ? <span className="muted"> ({t('members.you')})</span> : null}
      </span>
      {isSelf ? null : <VerifiedMark userId={member.userId} showUnverified />}
      <span className="member-role">{t(`roles.${member.role}`)}</span>
      {member.owner ? <span className="badge">{t('members.owner')}</span> : null}
      {member.standing === 'not_joined' ? <span className="badge badge-waiting">{t('members.notEnrolled')}</span> : null}
      {member.standing === 'uncertified' ? (
        <span className="badge badge-danger">
          <span aria-hidden="true">⚠ </span>
          {t('members.uncertified')}
        </span>
      ) : member.uncertifiedDevices.length > 0 ? (
        <span className="badge badge-danger">
          <span aria-hidden="true">⚠ </span>
          {t('members.uncertifiedDevices', { count: member.uncertifiedDevices.length })}
        </span>
      ) : null}
      {member.outsideConsent === true ? (
        <span className="badge badge-waiting" data-testid="outside-consent" title={t('consentCheck.outsideExplain')}>
          <span aria-hidden="true">! </span>
          {t('consentCheck.outside')}
          <span className="visually-hidden">: {t('consentCheck.outsideExplain')}</span>
        </span>
      ) : null}
      {member.statutoryBasis === true ? (
        <span className="badge" data-testid="statutory-basis" title={t('members.statutoryBasisExplain')}>
          {t('members.statutoryBasis')}
          <span className="visually-hidden">: {t('members.statutoryBasisExplain')}</span>
        </span>
      ) : null}
      {online ? (
        <span className="online">
          <span className="online-dot" aria-hidden="true" />
          {t('members.online')}
        </span>
      ) : null}
      {canRemove ? (
        <InlineConfirm
          label={t('members.remove')}
          ariaLabel={`${t('members.remove')}: ${member.name}`}
          question={t('members.confirmRemove', { name: member.name })}
          confirmLabel={t('members.removeYes')}
          cancelLabel={t('common.cancel')}
          busy={remove.busy}
          onConfirm={() => void remove.run(async () => upsert(await workspacesApi.removeMember(workspace.workspaceId, member.userId)))}
        />
      ) : null}
      {flagged ? (
        <p id={explainId} className="member-flag-explain">
          {member.standing === 'uncertified'
            ? t('members.uncertifiedExplain', { name: member.name })
            : t('members.uncertifiedDevicesExplain', { count: member.uncertifiedDevices.length, devices: member.uncertifiedDevices.join(', ') })}
        </p>
      ) : null}
      <ErrorNotice error={remove.error} />
    </li>
  );
}
