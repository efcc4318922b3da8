/**
 * The language switch in the header: a labelled select, each language named in itself
 * (and marked with its own `lang`), remembered for the next visit.
 */
import { useTranslation } from 'react-i18next';
import { LANGUAGES, setLanguage } from '../i18n/i18n';
import type { Language } from '../i18n/i18n';

const NATIVE_NAMES: Record<Language, string> = { fi: 'Suomi', sv: 'Svenska', en: 'English' };

/** Language select. */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const current = LANGUAGES.find((l) => l === i18n.language) ?? 'fi';
  return (
    <div className="language-switch">
      <label htmlFor="language-select">{t('header.language')}</label>
      <select
        id="language-select"
        value={current}
        onChange={(event) => {
          const chosen = LANGUAGES.find((l) => l === event.target.value);
          if (chosen !== undefined) setLanguage(chosen);
        }}
      >
        {LANGUAGES.map((language) => (
          <option key={language} value={language} lang={language}>
            {NATIVE_NAMES[language]}
          </option>
        ))}
      </select>
    </div>
  );
}
