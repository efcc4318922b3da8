/**
 * A client already enrolled joins a further case with the invitation code its owner gave
 * him (issue 13). The code goes to this computer's agent, which proves it with his own
 * keys; the case appears in the list once the inviting owner's agent has checked that
 * proof and added him, usually within seconds.
 */
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { invitationsApi } from '../api/invitations-api';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';

/** The form on the workspace list of a client. */
export function JoinWithCodeForm() {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const [sent, setSent] = useState(false);
  const join = useAction();
  const codeId = useId();
  const helpId = useId();
  return (
    <form
      className="card join-with-code"
      aria-labelledby="join-with-code-title"
      onSubmit={(event) => {
        event.preventDefault();
        setSent(false);
        void join.run(async () => {
          await invitationsApi.joinWithCode(code.trim());
          setCode('');
          setSent(true);
        });
      }}
    >
      <h2 id="join-with-code-title">{t('joinCase.title')}</h2>
      <p id={helpId}>{t('joinCase.help')}</p>
      <label htmlFor={codeId}>{t('joinCase.code')}</label>
      <input id={codeId} aria-describedby={helpId} autoComplete="off" spellCheck={false} value={code} onChange={(event) => setCode(event.target.value)} required />
      <ErrorNotice error={join.error} />
      {sent ? <p role="status">{t('joinCase.sent')}</p> : null}
      <button type="submit" disabled={join.busy || code.trim() === ''} aria-busy={join.busy}>
        {join.busy ? t('joinCase.joining') : t('joinCase.join')}
      </button>
    </form>
  );
}
