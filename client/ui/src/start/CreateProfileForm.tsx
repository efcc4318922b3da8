/**
 * Creating a profile: a name for this computer's profile list and a passphrase typed
 * twice, with a plain-language strength hint. The passphrase encrypts everything the
 * profile keeps; it cannot be recovered, which the form says before it is too late.
 * The form applies the agent's own passphrase rule (lib/passphrase-strength.ts), so what
 * it lets through the agent accepts.
 */
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isValidProfileName } from '@yhteispoyta/local-api/profile-name';
import { profilesApi } from '../api/agent-api';
import { useAgent } from '../app/agent-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';
import { assessPassphrase, strengthMeter, usePassphrasePolicy } from '../lib/passphrase-strength';

/** The create-profile form. */
export function CreateProfileForm() {
  const { t } = useTranslation();
  const { setStatus } = useAgent();
  const [name, setName] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [repeat, setRepeat] = useState('');
  const [tried, setTried] = useState(false);
  const create = useAction();
  const ids = { name: useId(), nameHint: useId(), pass: useId(), strength: useId(), repeat: useId(), mismatch: useId() };

  const policy = usePassphrasePolicy();
  const assessment = policy === undefined ? undefined : assessPassphrase(policy, passphrase, [name]);
  const strength = assessment?.level ?? 'empty';
  const nameValid = isValidProfileName(name);
  const passphraseOk = assessment?.accepted === true;
  const matches = passphrase === repeat;
  const problems: string[] = [];
  if (!nameValid) problems.push(t('create.nameInvalid'));
  if (assessment?.reason === 'empty' || assessment?.reason === 'too_short') problems.push(t('create.tooShort', { min: policy?.MIN_PASSPHRASE_CHARS ?? 10 }));
  if (assessment?.reason === 'too_guessable') problems.push(t('create.tooGuessable'));
  if (!matches) problems.push(t('create.mismatch'));

  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        setTried(true);
        if (problems.length > 0 || !passphraseOk) return;
        void create.run(async () => {
          const status = await profilesApi.create(name, passphrase);
          setPassphrase('');
          setRepeat('');
          setStatus(status);
        });
      }}
    >
      <label htmlFor={ids.name}>{t('create.name')}</label>
      <p id={ids.nameHint} className="hint">
        {t('create.nameHint')}
      </p>
      <input
        id={ids.name}
        aria-describedby={ids.nameHint}
        aria-invalid={tried && !nameValid}
        autoComplete="username"
        spellCheck={false}
        value={name}
        onChange={(event) => setName(event.target.value)}
      />
      <label htmlFor={ids.pass}>{t('create.passphrase')}</label>
      <input
        id={ids.pass}
        type="password"
        autoComplete="new-password"
        aria-describedby={ids.strength}
        aria-invalid={tried && !passphraseOk}
        value={passphrase}
        onChange={(event) => setPassphrase(event.target.value)}
      />
      <div id={ids.strength} className={`strength strength-${strength}`}>
        <meter {...strengthMeter(strength)} aria-hidden="true" />
        <p aria-live="polite">
          {t('create.strengthLabel')} {t(`create.strength.${strength}`)}
        </p>
        <p className="hint">{t('create.advice')}</p>
      </div>
      <label htmlFor={ids.repeat}>{t('create.repeat')}</label>
      <input
        id={ids.repeat}
        type="password"
        autoComplete="new-password"
        aria-invalid={tried && !matches}
        value={repeat}
        onChange={(event) => setRepeat(event.target.value)}
      />
      <p className="hint warning-text">{t('create.noRecovery')}</p>
      {tried && problems.length > 0 ? (
        <div className="notice notice-error" role="alert">
          <ul>
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <ErrorNotice error={create.error} />
      <button type="submit" disabled={create.busy || policy === undefined} aria-busy={create.busy}>
        {create.busy ? t('create.creating') : t('create.submit')}
      </button>
      {create.busy ? (
        <p role="status" className="hint">
          {t('create.slow')}
        </p>
      ) : null}
    </form>
  );
}
