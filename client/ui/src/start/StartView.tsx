/**
 * Before work begins: open an existing profile with its passphrase, create a new one, or
 * (for a new profile) take the device into use with the one-time code the user was given
 * (pasted whitespace is dropped, and the page says which kind of code it recognises).
 * A profile is one person on this computer; locking it is how another person, or the same
 * person with another role, switches.
 */
import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { HostStatus } from '@yhteispoyta/local-api';
import { profilesApi } from '../api/agent-api';
import { useAgent } from '../app/agent-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';
import { CreateProfileForm } from './CreateProfileForm';
import { CODE_KINDS, checkCode } from './one-time-code';

/** The start view for a locked or not yet enrolled agent. */
export function StartView({ status }: { status: HostStatus }) {
  return status.state === 'unlocked' ? <EnrolView status={status} /> : <UnlockView />;
}

function UnlockView() {
  const { t } = useTranslation();
  const { setStatus } = useAgent();
  const [profiles, setProfiles] = useState<string[] | undefined>(undefined);
  const [chosen, setChosen] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const load = useAction();
  const unlock = useAction();
  const passphraseId = useId();

  const loadRun = load.run;
  useEffect(() => {
    void loadRun(async () => {
      const list = await profilesApi.list();
      setProfiles(list);
      setChosen((current) => (current === '' && list.length > 0 ? (list[0] ?? '') : current));
    });
    // Loaded once per visit of the view; `load.run` is stable.
  }, [loadRun]);

  return (
    <div className="start">
      <h1>{t('start.title')}</h1>
      <p className="lead">{t('start.lead')}</p>
      <div className="start-columns">
        <section className="card" aria-labelledby="unlock-title">
          <h2 id="unlock-title">{t('start.unlockTitle')}</h2>
          <ErrorNotice error={load.error} />
          {profiles === undefined ? (
            <p role="status">{t('common.loading')}</p>
          ) : profiles.length === 0 ? (
            <p>{t('start.noProfiles')}</p>
          ) : (
            <form
              onSubmit={(event) => {
                event.preventDefault();
                void unlock.run(async () => {
                  const status = await profilesApi.unlock(chosen, passphrase);
                  setPassphrase('');
                  setStatus(status);
                });
              }}
            >
              <fieldset>
                <legend>{t('start.profile')}</legend>
                {profiles.map((name) => (
                  <label key={name} className="choice">
                    <input type="radio" name="profile" value={name} checked={chosen === name} onChange={() => setChosen(name)} />
                    {name}
                  </label>
                ))}
              </fieldset>
              <label htmlFor={passphraseId}>{t('start.passphrase')}</label>
              <input
                id={passphraseId}
                type="password"
                autoComplete="current-password"
                value={passphrase}
                onChange={(event) => setPassphrase(event.target.value)}
                required
              />
              <ErrorNotice error={unlock.error} />
              <button type="submit" disabled={unlock.busy || chosen === '' || passphrase === ''} aria-busy={unlock.busy}>
                {unlock.busy ? t('start.unlocking') : t('start.unlock')}
              </button>
            </form>
          )}
        </section>
        <section className="card" aria-labelledby="create-title">
          <h2 id="create-title">{t('start.createTitle')}</h2>
          <CreateProfileForm />
        </section>
      </div>
    </div>
  );
}

function EnrolView({ status }: { status: HostStatus }) {
  const { t } = useTranslation();
  const { setStatus } = useAgent();
  const [code, setCode] = useState('');
  const [tried, setTried] = useState(false);
  const enrol = useAction();
  const lock = useAction();
  const codeId = useId();
  const hintId = useId();
  const kindId = useId();
  const checked = checkCode(code);
  const invalid = tried && checked.state === 'malformed';
  return (
    <div className="start">
      <h1>{t('enrol.title')}</h1>
      <p className="lead">{t('enrol.lead', { profile: status.profile ?? '' })}</p>
      <section className="card narrow" aria-labelledby="enrol-title">
        <h2 id="enrol-title">{t('enrol.codeTitle')}</h2>
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            setTried(true);
            if (checked.state !== 'valid') return;
            void enrol.run(async () => setStatus(await profilesApi.enrol(checked.code)));
          }}
        >
          <label htmlFor={codeId}>{t('enrol.code')}</label>
          <div id={hintId} className="hint">
            <p>{t('enrol.codeHint')}</p>
            <ul className="code-kinds">
              {CODE_KINDS.map((kind) => (
                <li key={kind}>{t(`enrol.kinds.${kind}.hint`)}</li>
              ))}
            </ul>
          </div>
          <input
            id={codeId}
            className="code"
            aria-describedby={`${hintId} ${kindId}`}
            aria-invalid={invalid}
            autoComplete="one-time-code"
            autoCapitalize="off"
            autoCorrect="off"
            spellCheck={false}
            value={code}
            onChange={(event) => setCode(event.target.value)}
            required
          />
          <p id={kindId} className={invalid ? 'hint code-check code-check-invalid' : 'hint code-check'} aria-live="polite">
            {checked.state === 'valid' ? t(`enrol.kinds.${checked.kind}.recognised`) : invalid ? t('enrol.malformed') : ''}
          </p>
          <ErrorNotice error={enrol.error} />
          <button type="submit" disabled={enrol.busy || checked.state === 'empty'} aria-busy={enrol.busy}>
            {enrol.busy ? t('enrol.enrolling') : t('enrol.submit')}
          </button>
        </form>
        <p className="hint">{t('enrol.server', { server: status.serverUrl })}</p>
        <button type="button" className="button-secondary" disabled={lock.busy} onClick={() => void lock.run(async () => setStatus(await profilesApi.lock()))}>
          {t('enrol.otherProfile')}
        </button>
        <ErrorNotice error={lock.error} />
      </section>
    </div>
  );
}
