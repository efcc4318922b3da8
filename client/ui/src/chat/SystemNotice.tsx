/**
 * A system notice in the chat: who joined, was removed or left, changed the client's
 * consent or recorded or withdrew a member's statutory basis, and when — read by this device from the verified membership chain, never
 * text the server wrote.
 */
import { useTranslation } from 'react-i18next';
import { CLIENTS_ORG_ID } from '@yhteispoyta/local-api';
import type { MemberNotice } from '@yhteispoyta/local-api';
import { usePeople } from '../app/people-context';
import { formatDateTime } from '../lib/format';

/** One notice row; `nameOf` names members and former members. */
export function SystemNotice({ notice, nameOf }: { notice: MemberNotice; nameOf(userId: string): string }) {
  const { t, i18n } = useTranslation();
  const { orgName } = usePeople();
  const name = notice.displayName ?? (notice.userId === undefined ? '' : nameOf(notice.userId));
  const by = notice.byName ?? nameOf(notice.by.userId);
  const orgs = (notice.orgIds ?? []).map((orgId) => (orgId === CLIENTS_ORG_ID ? t('roles.client') : orgName(orgId) ?? orgId)).join(', ');
  const sentence =
    notice.kind === 'joined'
      ? t('notices.joined', { by, name })
      : notice.kind === 'removed'
        ? t('notices.removed', { by, name })
        : notice.kind === 'left'
          ? t('notices.left', { name })
          : notice.kind === 'consent_granted'
            ? t('notices.consentGranted', { by, orgs })
            : notice.kind === 'basis_recorded'
              ? t('notices.basisRecorded', { by, name })
              : notice.kind === 'basis_withdrawn'
                ? t('notices.basisWithdrawn', { by, name })
                : t('notices.consentRevoked', { by, orgs });
  return (
    <li className="system-notice" data-kind={notice.kind}>
      <p>
        <span className="visually-hidden">{t('notices.label')}: </span>
        {sentence} · <time dateTime={new Date(notice.at).toISOString()}>{formatDateTime(notice.at, i18n.language)}</time>
      </p>
    </li>
  );
}
