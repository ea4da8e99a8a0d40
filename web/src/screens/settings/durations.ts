import { t } from '../../i18n.js';

/** A duration in milliseconds in the unit that reads best: 850 ms, 12.5 s, 4 min, 3 h. */
export function duration(ms: number): string {
  if (ms < 1000) return t('settings.unit.ms', { n: ms });
  if (ms < 120_000) return t('settings.unit.s', { n: Math.round(ms / 100) / 10 });
  if (ms < 7_200_000) return t('settings.unit.min', { n: Math.round(ms / 60_000) });
  return t('settings.unit.h', { n: Math.round(ms / 360_000) / 10 });
}
