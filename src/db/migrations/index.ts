import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_inventory.js';
import * as m0003 from './0003_carriers.js';
import * as m0004 from './0004_orders.js';
import * as m0005 from './0005_default_review_rules.js';
import * as m0006 from './0006_signals_in_database.js';
import * as m0007 from './0007_order_search.js';
import * as m0008 from './0008_statement_refusal.js';
import * as m0009 from './0009_signal_plans.js';
import * as m0010 from './0010_reservation_batches.js';
import * as m0011 from './0011_capture_batches.js';
import * as m0012 from './0012_fresh_channel_atp.js';
import * as m0013 from './0013_quantity_limits.js';
import * as m0014 from './0014_backorder_fill.js';
import * as m0015 from './0015_line_discount_shares.js';
import * as m0016 from './0016_capture_quotas.js';
import * as m0017 from './0017_stock_sync_fillfactor.js';
import * as m0018 from './0018_payment_ledger.js';
import * as m0019 from './0019_event_contract.js';
import * as m0020 from './0020_outbox_relay.js';
import * as m0021 from './0021_users.js';
import * as m0022 from './0022_payment_terms_offline.js';
import * as m0023 from './0023_notifications.js';
import * as m0024 from './0024_sourcing.js';
import * as m0025 from './0025_fulfillment_orders.js';
import * as m0026 from './0026_carrier_rates.js';
import * as m0027 from './0027_connectors.js';
import * as m0029 from './0029_saved_views.js';
import * as m0030 from './0030_relay_cursors.js';
import * as m0031 from './0031_split_lines.js';
import * as m0033 from './0033_sku_demand.js';
import * as m0034 from './0034_order_volume.js';
import * as m0036 from './0036_compact_sourcing_decisions.js';
import * as m0038 from './0038_dispatch_function.js';
import * as m0039 from './0039_commit_ordered_outbox.js';
import * as m0040 from './0040_stock_snapshots.js';
import * as m0041 from './0041_deferred_signals.js';
import * as m0042 from './0042_publish_signals_set_difference.js';
import * as m0043 from './0043_drop_duplicate_line_index.js';
import * as m0044 from './0044_sync_state_by_location.js';
import * as m0045 from './0045_set_based_channel_atp.js';

/**
 * Every migration, in order. Listed explicitly (not read from the folder) so that the compiled server and the
 * tests apply exactly the same set, and a missing import is a compile error rather than a skipped migration.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_inventory': m0002,
  '0003_carriers': m0003,
  '0004_orders': m0004,
  '0005_default_review_rules': m0005,
  '0006_signals_in_database': m0006,
  '0007_order_search': m0007,
  '0008_statement_refusal': m0008,
  '0009_signal_plans': m0009,
  '0010_reservation_batches': m0010,
  '0011_capture_batches': m0011,
  '0012_fresh_channel_atp': m0012,
  '0013_quantity_limits': m0013,
  '0014_backorder_fill': m0014,
  '0015_line_discount_shares': m0015,
  '0016_capture_quotas': m0016,
  '0017_stock_sync_fillfactor': m0017,
  '0018_payment_ledger': m0018,
  '0019_event_contract': m0019,
  '0020_outbox_relay': m0020,
  '0021_users': m0021,
  '0022_payment_terms_offline': m0022,
  '0023_notifications': m0023,
  '0024_sourcing': m0024,
  '0025_fulfillment_orders': m0025,
  '0026_carrier_rates': m0026,
  '0027_connectors': m0027,
  '0029_saved_views': m0029,
  '0030_relay_cursors': m0030,
  '0031_split_lines': m0031,
  '0033_sku_demand': m0033,
  '0034_order_volume': m0034,
  '0036_compact_sourcing_decisions': m0036,
  '0038_dispatch_function': m0038,
  '0039_commit_ordered_outbox': m0039,
  '0040_stock_snapshots': m0040,
  '0041_deferred_signals': m0041,
  '0042_publish_signals_set_difference': m0042,
  '0043_drop_duplicate_line_index': m0043,
  '0044_sync_state_by_location': m0044,
  '0045_set_based_channel_atp': m0045,
};
