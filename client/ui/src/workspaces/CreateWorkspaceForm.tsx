/**
 * Creating a workspace: a case (the client may join, with his consent) or a consultation
 * between professionals. The name is the one thing the server operator can read, so the
 * form says so, and suggests a pseudonym for a consultation without the client's consent.
 */
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { MAX_WORKSPACE_LABEL_CHARS } from '@yhteispoyta/local-api';
import type { WorkspaceKind } from '@yhteispoyta/local-api';
import { workspacesApi } from '../api/agent-api';
import { ErrorNotice } from '../app/ErrorNotice';
import { navigate } from '../app/route';
import { useAction } from '../app/use-action';
import { useWorkspaces } from '../app/workspaces-context';

/** The create-workspace form. */
export function CreateWorkspaceForm() {
  const { t } = useTranslation();
  const { upsert } = useWorkspaces();
  const [kind, setKind] = useState<WorkspaceKind>('case');
  const [label, setLabel] = useState('');
  const create = useAction();
  const labelId = useId();
  const noticeId = useId();
  return (
    <form
      className="card create-workspace"
      aria-labelledby="create-workspace-title"
      onSubmit={(event) => {
        event.preventDefault();
        void create.run(async () => {
          const workspace = await workspacesApi.create(kind, label.trim());
          upsert(workspace);
          setLabel('');
          // A case opens on its plan (where the template is written in this UI's language); a consultation on its chat.
          navigate({ name: 'workspace', workspaceId: workspace.workspaceId, tab: workspace.kind === 'consultation' ? 'chat' : 'plan' });
        });
      }}
    >
      <h2 id="create-workspace-title">{t('workspaces.createTitle')}</h2>
      <fieldset>
        <legend>{t('workspaces.kind')}</legend>
        {(['case', 'consultation'] as const).map((k) => (
          <label key={k} className="choice">
            <input type="radio" name="workspace-kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
            <span>
              <strong>{t(`workspaces.kinds.${k}`)}</strong> — {t(`workspaces.kindHelp.${k}`)}
            </span>
          </label>
        ))}
      </fieldset>
      <label htmlFor={labelId}>{kind === 'case' ? t('workspaces.labelCase') : t('workspaces.labelConsultation')}</label>
      <div id={noticeId} className="notice notice-info">
        <p>{t('workspaces.labelVisible')}</p>
        {kind === 'consultation' ? <p>{t('workspaces.pseudonymHint')}</p> : null}
      </div>
      <input
        id={labelId}
        aria-describedby={noticeId}
        maxLength={MAX_WORKSPACE_LABEL_CHARS}
        value={label}
        onChange={(event) => setLabel(event.target.value)}
        required
      />
      <ErrorNotice error={create.error} />
      <button type="submit" disabled={create.busy || label.trim() === ''} aria-busy={create.busy}>
        {create.busy ? t('workspaces.creating') : t('workspaces.create')}
      </button>
    </form>
  );
}
