/**
 * The UI's languages: Finnish (the default), Swedish and English. Every string lives in
 * the three resource files with identical keys (a unit test enforces it). The choice is
 * remembered in localStorage and written to `<html lang>`, so screen readers pronounce
 * the page in the right language.
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import fi from './fi.json';
import sv from './sv.json';

/** The languages offered, in the order of the switch. */
export const LANGUAGES = ['fi', 'sv', 'en'] as const;
/** A language code. */
export type Language = (typeof LANGUAGES)[number];

/** Where the chosen language is remembered. */
const LANGUAGE_STORAGE_KEY = 'yhteispoyta:language';

/** The remembered language, or Finnish. */
function rememberedLanguage(storage: Pick<Storage, 'getItem'> = window.localStorage): Language {
  let stored: string | null = null;
  try {
    stored = storage.getItem(LANGUAGE_STORAGE_KEY);
  } catch {
    stored = null;
  }
  return LANGUAGES.find((l) => l === stored) ?? 'fi';
}

/** Start i18next with the bundled resources in the remembered language. */
export function initI18n(): typeof i18next {
  const lng = rememberedLanguage();
  void i18next.use(initReactI18next).init({
    resources: { fi: { translation: fi }, sv: { translation: sv }, en: { translation: en } },
    lng,
    fallbackLng: 'fi',
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = lng;
  return i18next;
}

/** Switch the language, remember it and tell assistive technology. */
export function setLanguage(language: Language): void {
  void i18next.changeLanguage(language);
  document.documentElement.lang = language;
  try {
    window.localStorage.setItem(LANGUAGE_STORAGE_KEY, language);
  } catch {
    // Private mode without storage: the choice lasts for this page only.
  }
}
