/**
 * English and Simplified Chinese with i18next. Every visible string is a key here; `zh` must have every key of `en`
 * (the type says so). The chosen language is kept in localStorage.
 */
import i18next from 'i18next';
import { useEffect, useState } from 'preact/hooks';
import { en } from './locales/en.js';
import { zh } from './locales/zh.js';

export type MessageKey = keyof typeof en;
export const languages = { en: 'English', zh: '中文' } as const;
export type Language = keyof typeof languages;

const stored = localStorage.getItem('ordo.lang');
const initial: Language = stored === 'zh' || stored === 'en' ? stored : navigator.language.startsWith('zh') ? 'zh' : 'en';

void i18next.init({
  lng: initial,
  fallbackLng: 'en',
  resources: { en: { translation: en }, zh: { translation: zh } },
  interpolation: { escapeValue: false },
  initAsync: false,
});
document.documentElement.lang = initial === 'zh' ? 'zh-CN' : 'en';

export const t = (key: MessageKey, values?: Record<string, string | number>): string => i18next.t(key, values);

export async function setLanguage(lang: Language): Promise<void> {
  localStorage.setItem('ordo.lang', lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  await i18next.changeLanguage(lang);
}

export const currentLanguage = (): Language => (i18next.language === 'zh' ? 'zh' : 'en');

/** Re-renders the component when the language changes; returns the language. */
export function useLanguage(): Language {
  const [lang, setLang] = useState(currentLanguage());
  useEffect(() => {
    const on = () => setLang(currentLanguage());
    i18next.on('languageChanged', on);
    return () => i18next.off('languageChanged', on);
  }, []);
  return lang;
}
