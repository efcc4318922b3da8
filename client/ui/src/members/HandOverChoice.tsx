/**
 * The client's choice when his answer would remove every owner of the case (issue 13): who
 * of the remaining professionals takes the case over, or closing it. The choice is signed
 * into the same chain event as the answer, so the case is never left without an owner.
 */
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { usePeople } from '../app/people-context';
import type { AnswerEffect, EndingChoice } from './consent-check';
import { memberName } from './member-groups';

/** The radio group; `value` undefined until the client chooses. */
export function HandOverChoice({ effect, value, onChange }: { effect: AnswerEffect; value: EndingChoice | undefined; onChange(choice: EndingChoice): void }) {
  const { t } = useTranslation();
  const { orgName, announcedName } = usePeople();
  const name = useId();
  const owners = effect.leaving.filter((m) => m.owner).map((m) => memberName(m, announcedName, t('roles.client')));
  return (
    <fieldset className="hand-over" data-testid="hand-over">
      <legend>{t('consentCheck.handOverLegend')}</legend>
      <p>{t('consentCheck.handOverLead', { owners: owners.join(', ') })}</p>
      {effect.heirs.map((heir) => (
        <label key={heir.userId} className="choice">
          <input
            type="radio"
            name={name}
            checked={value !== undefined && 'handOverTo' in value && value.handOverTo === heir.userId}
            onChange={() => onChange({ handOverTo: heir.userId })}
          />
          {t('consentCheck.handOverTo', { name: memberName(heir, announcedName, t('roles.client')), org: orgName(heir.orgId) ?? heir.orgId })}
        </label>
      ))}
      <label className="choice">
        <input type="radio" name={name} checked={value !== undefined && 'close' in value} onChange={() => onChange({ close: true })} />
        {t('consentCheck.closeCase')}
      </label>
      {effect.heirs.length === 0 ? <p className="hint">{t('consentCheck.noHeirs')}</p> : null}
    </fieldset>
  );
}
