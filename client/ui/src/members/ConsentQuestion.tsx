/**
 * The plain-language question to the client while professionals are in his case without
 * his consent (added before he joined, issue 13): who they are, and that he decides which
 * organisations may go on — those he leaves out are removed when he answers.
 */
import { useTranslation } from 'react-i18next';
import type { Workspace } from '@yhteispoyta/local-api';
import { usePeople } from '../app/people-context';
import { memberName } from './member-groups';

/** Shown at the top of the client's consent panel, or nothing when there is nothing to ask. */
export function ConsentQuestion({ workspace }: { workspace: Workspace }) {
  const { t } = useTranslation();
  const { orgName, announcedName } = usePeople();
  const outside = workspace.members.filter((m) => m.outsideConsent === true);
  if (outside.length === 0) return null;
  return (
    <div className="notice notice-warning consent-question" role="status" data-testid="consent-question">
      <p>
        <strong>{t('consentCheck.questionTitle')}</strong>
      </p>
      <p>{t('consentCheck.questionLead')}</p>
      <ul>
        {outside.map((m) => (
          <li key={m.userId}>
            {memberName(m, announcedName, t('roles.client'))}, {orgName(m.orgId) ?? m.orgId}
          </li>
        ))}
      </ul>
      <p>{t('consentCheck.questionHow')}</p>
    </div>
  );
}
