/**
 * An owner's controls for the statutory basis of a professional of his own organisation
 * (record_basis, issue 13): record one — a few common statutes, or his own words — or
 * withdraw the one in force after an in-page question that says what follows. The agent
 * signs the event; the text reaches the members encrypted and the client sees it in
 * "Tietojeni käsittely". A refusal is said in words next to the controls.
 */
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiFailure, MAX_BASIS_CHARS } from '@yhteispoyta/local-api';
import type { Workspace } from '@yhteispoyta/local-api';
import { workspacesApi } from '../api/agent-api';
import { ErrorNotice } from '../app/ErrorNotice';
import { InlineConfirm } from '../app/InlineConfirm';
import { useAction } from '../app/use-action';
import { useWorkspaces } from '../app/workspaces-context';

/** Statutes an owner picks most often (their names are the same in every language of the page). */
const BASIS_PRESETS = [
  'Sosiaalihuoltolaki (1301/2014) 41 § – monialainen yhteistyö',
  'Sosiaalihuoltolaki (1301/2014) 42 § – omatyöntekijä',
  'Lastensuojelulaki (417/2007)',
] as const;
const OTHER = 'other';

/** Props of {@link BasisControls}. */
export interface BasisControlsProps {
  readonly workspace: Workspace;
  readonly userId: string;
  /** the member's name, for the accessible names and the question */
  readonly name: string;
  /** whether a basis is in force for him */
  readonly recorded: boolean;
  /** after a change: the view reloads */
  onChanged(): void;
}

/** Record or withdraw one member's statutory basis. */
export function BasisControls({ workspace, userId, name, recorded, onChanged }: BasisControlsProps) {
  const { t } = useTranslation();
  const { upsert } = useWorkspaces();
  const action = useAction();
  const [open, setOpen] = useState(false);
  const [choice, setChoice] = useState<string>(BASIS_PRESETS[1]);
  const [other, setOther] = useState('');
  const selectId = useId();
  const otherId = useId();
  const text = choice === OTHER ? other.trim() : choice;

  const save = (basis: string | null) =>
    void action
      .run(async () => {
        upsert(await workspacesApi.recordBasis(workspace.workspaceId, userId, basis));
      })
      .then((ok) => {
        if (!ok) return;
        setOpen(false);
        onChanged();
      });

  const refusal = refusalText(t, action.error);
  const failure = refusal === undefined ? <ErrorNotice error={action.error} /> : (
    <div className="notice notice-error" role="alert">
      <p>{refusal}</p>
    </div>
  );

  if (recorded) {
    return (
      <div className="basis-controls">
        <InlineConfirm
          label={t('processing.basisForm.withdraw')}
          ariaLabel={t('processing.basisForm.withdrawFor', { name })}
          question={<p>{t('processing.basisForm.withdrawQuestion', { name })}</p>}
          confirmLabel={t('processing.basisForm.withdrawConfirm')}
          cancelLabel={t('common.cancel')}
          busy={action.busy}
          onConfirm={() => save(null)}
        />
        {failure}
      </div>
    );
  }
  if (!open) {
    return (
      <div className="basis-controls">
        <button type="button" className="button-secondary" aria-label={t('processing.basisForm.openFor', { name })} onClick={() => setOpen(true)}>
          {t('processing.basisForm.open')}
        </button>
      </div>
    );
  }
  return (
    <form
      className="basis-controls basis-form"
      aria-label={t('processing.basisForm.openFor', { name })}
      onSubmit={(e) => {
        e.preventDefault();
        if (text !== '') save(text);
      }}
    >
      <p className="hint">{t('processing.basisForm.explain')}</p>
      <label htmlFor={selectId}>{t('processing.basisForm.basis')}</label>
      <select id={selectId} value={choice} onChange={(e) => setChoice(e.target.value)}>
        {BASIS_PRESETS.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
        <option value={OTHER}>{t('processing.basisForm.other')}</option>
      </select>
      {choice === OTHER ? (
        <>
          <label htmlFor={otherId}>{t('processing.basisForm.otherText')}</label>
          <input id={otherId} type="text" value={other} maxLength={MAX_BASIS_CHARS} onChange={(e) => setOther(e.target.value)} />
        </>
      ) : null}
      <div className="button-row">
        <button type="submit" disabled={action.busy || text === ''} aria-busy={action.busy}>
          {t('processing.basisForm.save')}
        </button>
        <button type="button" className="button-secondary" disabled={action.busy} onClick={() => setOpen(false)}>
          {t('common.cancel')}
        </button>
      </div>
      {failure}
    </form>
  );
}

/** The refusals of this action said for what they mean here; others go to the common notice. */
function refusalText(t: (key: string) => string, error: unknown): string | undefined {
  if (!(error instanceof ApiFailure)) return undefined;
  if (error.code === 'consent_scope') return t('processing.basisForm.refusedConsent');
  if (error.code === 'forbidden') return t('processing.basisForm.refusedForbidden');
  return undefined;
}
