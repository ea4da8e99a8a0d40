import { t } from '../../i18n.js';
import type { FulfilmentStatus } from '../../types.js';

/** A fulfilment order's status in words (the order's own statuses are StatusBadge's). */
export const FulfilmentBadge = ({ status }: { status: FulfilmentStatus }) =>
  <span class={`badge fulfilment-${status}`}>{t(`fulfilment.status.${status}`)}</span>;
