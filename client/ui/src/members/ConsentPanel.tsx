/**
 * The client's own consent panel (shown only to the client): which organisations may
 * take part in his case and for what purpose, optionally until a date; and revoking an
 * organisation, which removes its people from the case and changes the keys so they
 * cannot read anything written afterwards. Before he signs, the page says who leaves with
 * the answer and, when it removes every owner, asks who takes the case over or whether it
 * closes (issue 13: the chain refuses an answer that would leave the case ownerless).
 */
import { InlineConfirm } from '../app/InlineConfirm';
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CLIENTS_ORG_ID, MAX_CONSENT_PURPOSE_CHARS } from '@yhteispoyta/local-api';
import type { Workspace } from '@yhteispoyta/local-api';
import { workspacesApi } from '../api/agent-api';
import { usePeople } from '../app/people-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';
import { useWorkspaces } from '../app/workspaces-context';
import { answerEffect, endingFields, presentOrgIds } from './consent-check';
import type { EndingChoice } from './consent-check';
import { ConsentQuestion } from './ConsentQuestion';
import { HandOverChoice } from './HandOverChoice';
import { consentActive, memberName } from './member-groups';

/** The end of a calendar day (YYYY-MM-DD) in local time, in ms; undefined for an empty or invalid date. */
function endOfDay(date: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (match === null) return undefined;
  const end = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 59, 999).getTime();
  return Number.isFinite(end) ? end : undefined;
}

/** The consent panel of the client. */
export function ConsentPanel({ workspace }: { workspace: Workspace }) {
  const { t } = useTranslation();
  const { orgs, orgName, announcedName } = usePeople();
  const { upsert } = useWorkspaces();
  const current = consentActive(workspace.consent) ? workspace.consent : undefined;
  // Before his first answer the organisations already present are offered checked: he unchecks whom he does not want.
  const [chosen, setChosen] = useState<ReadonlySet<string>>(() => new Set(current?.orgIds ?? presentOrgIds(workspace.members)));
  const [grantEnding, setGrantEnding] = useState<EndingChoice | undefined>(undefined);
  const [revokeEnding, setRevokeEnding] = useState<EndingChoice | undefined>(undefined);
  const [purpose, setPurpose] = useState(current?.purpose ?? '');
  const [until, setUntil] = useState('');
  const grant = useAction();
  const revoke = useAction();
  const ids = { purpose: useId(), until: useId(), untilHint: useId() };
  // After a revocation focus goes to what it did, never on to the next "Peru suostumus" button.
  const [revokedSaid, setRevokedSaid] = useState('');
  const revokedRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (revokedSaid !== '') revokedRef.current?.focus();
  }, [revokedSaid]);
  const candidates = orgs.filter((o) => o.orgId !== CLIENTS_ORG_ID);
  const expiresAt = endOfDay(until);
  const expiryInPast = expiresAt !== undefined && expiresAt <= Date.now();
  const grantEffect = answerEffect(workspace.members, chosen);
  const nameOf = (m: (typeof workspace.members)[number]) => `${memberName(m, announcedName, t('roles.client'))} (${orgName(m.orgId) ?? m.orgId})`;

  return (
    <section className="card consent-panel" aria-labelledby="consent-panel-title">
      <h3 id="consent-panel-title">{t('consent.panelTitle')}</h3>
      <p>{t('consent.panelLead')}</p>
      <ConsentQuestion workspace={workspace} />
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void grant.run(async () => {
            const consent = {
              orgIds: [...chosen],
              purpose: purpose.trim(),
              ...(expiresAt === undefined ? {} : { expiresAt }),
              ...endingFields(grantEffect, grantEnding),
            };
            upsert(await workspacesApi.grantConsent(workspace.workspaceId, consent));
          });
        }}
      >
        <fieldset>
          <legend>{t('consent.chooseOrgs')}</legend>
          {candidates.length === 0 ? <p>{t('common.loading')}</p> : null}
          {candidates.map((org) => (
            <label key={org.orgId} className="choice">
              <input
                type="checkbox"
                checked={chosen.has(org.orgId)}
                onChange={(event) => {
                  const next = new Set(chosen);
                  if (event.target.checked) next.add(org.orgId);
                  else next.delete(org.orgId);
                  setChosen(next);
                }}
              />
              {org.name}
            </label>
          ))}
        </fieldset>
        <label htmlFor={ids.purpose}>{t('consent.purposeLabel')}</label>
        <textarea id={ids.purpose} rows={2} maxLength={MAX_CONSENT_PURPOSE_CHARS} value={purpose} onChange={(e) => setPurpose(e.target.value)} required />
        <label htmlFor={ids.until}>{t('consent.untilLabel')}</label>
        <p id={ids.untilHint} className="hint">
          {t('consent.untilHint')}
        </p>
        <input id={ids.until} type="date" aria-describedby={ids.untilHint} aria-invalid={expiryInPast} value={until} onChange={(e) => setUntil(e.target.value)} />
        {expiryInPast ? (
          <p className="notice notice-error" role="alert">
            {t('consent.untilPast')}
          </p>
        ) : null}
        {grantEffect.leaving.length === 0 ? null : (
          <p className="notice notice-warning" data-testid="consent-leaving">
            {t('consentCheck.leaving', { names: grantEffect.leaving.map(nameOf).join(', ') })}
          </p>
        )}
        {grantEffect.ownersLost ? <HandOverChoice effect={grantEffect} value={grantEnding} onChange={setGrantEnding} /> : null}
        <ErrorNotice error={grant.error} />
        <button
          type="submit"
          disabled={grant.busy || chosen.size === 0 || purpose.trim() === '' || expiryInPast || (grantEffect.ownersLost && grantEnding === undefined)}
          aria-busy={grant.busy}
        >
          {grant.busy ? t('consent.granting') : t('consent.grant')}
        </button>
      </form>
      {current === undefined || current.orgIds.length === 0 ? null : (
        <div className="revoke">
          <h4>{t('consent.revokeTitle')}</h4>
          <p className="hint">{t('consent.revokeHint')}</p>
          <ul>
            {current.orgIds.map((orgId) => {
              const name = orgName(orgId) ?? orgId;
              const effect = answerEffect(workspace.members, new Set(current.orgIds.filter((o) => o !== orgId)));
              return (
                <li key={orgId}>
                  <InlineConfirm
                    label={t('consent.revoke', { org: name })}
                    question={
                      <>
                        <p>{t('consent.confirmRevoke', { org: name })}</p>
                        {effect.leaving.length === 0 ? null : <p>{t('consentCheck.leaving', { names: effect.leaving.map(nameOf).join(', ') })}</p>}
                        {effect.ownersLost ? <HandOverChoice effect={effect} value={revokeEnding} onChange={setRevokeEnding} /> : null}
                      </>
                    }
                    confirmLabel={t('consent.revokeYes')}
                    cancelLabel={t('common.cancel')}
                    busy={revoke.busy}
                    confirmDisabled={effect.ownersLost && revokeEnding === undefined}
                    onConfirm={() =>
                      void revoke.run(async () => {
                        upsert(await workspacesApi.revokeConsent(workspace.workspaceId, [orgId], endingFields(effect, revokeEnding)));
                        setRevokeEnding(undefined);
                        setRevokedSaid(t('consentRevoked.done', { org: name }));
                        setChosen((previous) => {
                          const next = new Set(previous);
                          next.delete(orgId);
                          return next;
                        });
                      })
                    }
                  />
                </li>
              );
            })}
          </ul>
          <ErrorNotice error={revoke.error} />
        </div>
      )}
      <p ref={revokedRef} tabIndex={-1} role="status" className="consent-revoked" data-testid="consent-revoked">
        {revokedSaid}
      </p>
    </section>
  );
}
