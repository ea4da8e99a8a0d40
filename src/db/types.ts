/**
 * The Kysely view of the schema, for the type checker only. The migrations are the source of truth (defaults,
 * constraints and indexes live only there); a column named here that the migrations lack fails the scenario tests,
 * which run every repository function against the migrated database.
 */
import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T extends object | null = Record<string, unknown>> = JSONColumnType<T>;

export interface ApiKeysTable {
  id: string;
  name: string;
  role: string;
  prefix: string;
  key_hash: Buffer;
  created_by: string | null;
  created_at: Timestamp;
  revoked_at: Date | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Timestamp;
  actor_id: string | null;
  actor_name: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  request_id: string | null;
  details: Json;
}

export interface IdempotencyKeysTable {
  principal_id: string;
  key: string;
  method: string;
  path: string;
  request_hash: string;
  response_status: number | null;
  response_body: ColumnType<unknown, string | null | undefined, string | null>;
  created_at: Timestamp;
}

export interface SkusTable {
  id: string;
  code: string;
  name: string;
  barcode: string | null;
  weight_grams: number | null;
  length_mm: number | null;
  width_mm: number | null;
  height_mm: number | null;
  price_minor: number | null;
  currency: string | null;
  active: Generated<boolean>;
  attributes: Json<Record<string, string | number | boolean>>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LocationsTable {
  id: string;
  code: string;
  name: string;
  type: string;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  country: string | null;
  latitude: number | null;
  longitude: number | null;
  region: string | null;
  can_ship: Generated<boolean>;
  can_pickup: Generated<boolean>;
  priority: Generated<number>;
  active: Generated<boolean>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ChannelsTable {
  id: string;
  code: string;
  name: string;
  type: string;
  currency: string;
  order_number_prefix: Generated<string>;
  allow_backorder: Generated<boolean>;
  presale_days: Generated<number>;
  return_window_days: Generated<number>;
  active: Generated<boolean>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SkuComponentsTable {
  bundle_sku_id: string;
  component_sku_id: string;
  quantity: number;
}

export interface StockLevelsTable {
  sku_id: string;
  location_id: string;
  on_hand: Generated<number>;
  reserved: Generated<number>;
  quarantined: Generated<number>;
  safety_stock: Generated<number>;
  safety_weeks: number | null;
  safety_lookback_weeks: number | null;
  reorder_point: number | null;
  version: Generated<number>;
  updated_at: Timestamp;
}

export interface StockMovementsTable {
  id: Generated<number>;
  at: Timestamp;
  sku_id: string;
  location_id: string;
  reason: string;
  on_hand_delta: Generated<number>;
  reserved_delta: Generated<number>;
  quarantined_delta: Generated<number>;
  reference_type: string | null;
  reference_id: string | null;
  actor: string;
  note: string | null;
}

export interface SupplyOrdersTable {
  id: string;
  type: string;
  reference: string | null;
  location_id: string;
  source_location_id: string | null;
  status: string;
  expected_on: ColumnType<string, string, string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SupplyLinesTable {
  id: string;
  supply_order_id: string;
  sku_id: string;
  location_id: string;
  quantity: number;
  received: Generated<number>;
  reserved: Generated<number>;
  expected_on: ColumnType<string, string, string>;
  open: Generated<boolean>;
}

export interface ReservationsTable {
  id: string;
  sku_id: string;
  location_id: string;
  channel_id: string | null;
  supply_line_id: string | null;
  quantity: number;
  committed: Generated<number>;
  released: Generated<number>;
  status: string;
  reference_type: string;
  reference_id: string;
  expires_at: Date | null;
  created_at: Timestamp;
  closed_at: Date | null;
}

export interface ChannelAllocationsTable {
  id: string;
  channel_id: string;
  sku_id: string | null;
  quota_units: number | null;
  quota_percent: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ChannelAvailabilityTable {
  channel_id: string;
  sku_id: string;
  available: number;
  updated_at: Timestamp;
}

export interface StockAlertsTable {
  id: string;
  type: string;
  sku_id: string;
  location_id: string;
  available: number;
  reorder_point: number;
  status: string;
  created_at: Timestamp;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  resolved_at: Date | null;
}

export interface StockCountsTable {
  id: string;
  location_id: string;
  status: string;
  note: string | null;
  created_at: Timestamp;
  posted_at: Date | null;
}

export interface StockCountLinesTable {
  count_id: string;
  sku_id: string;
  expected: number;
  counted: number | null;
}

export interface StockSyncStateTable {
  source: string;
  sku_id: string;
  location_id: string;
  version: number;
  on_hand: number;
  reported_at: Timestamp;
}

export interface StockDiscrepanciesTable {
  id: string;
  source: string;
  sku_id: string;
  location_id: string;
  version: number;
  ordo_on_hand: number;
  source_on_hand: number;
  status: string;
  reason: string;
  created_at: Timestamp;
  decided_at: Date | null;
  decided_by: string | null;
}

export interface OutboxEventsTable {
  id: Generated<number>;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  payload: Json<Record<string, unknown>>;
  created_at: Timestamp;
  published_at: Date | null;
}

export interface CarriersTable {
  id: string;
  code: string;
  name: string;
  services: Json<{ code: string; name: string; transitDays: number }[]>;
  tracking_url_template: string | null;
  active: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CustomersTable {
  id: string;
  email: string | null;
  phone: string | null;
  name: string;
  type: Generated<string>;
  company: string | null;
  vat_id: string | null;
  payment_terms_days: Generated<number>;
  blocked: Generated<boolean>;
  blocked_reason: string | null;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface Address {
  name: string;
  company?: string | null;
  line1: string;
  line2?: string | null;
  city: string;
  state?: string | null;
  postalCode: string;
  country: string;
  phone?: string | null;
}

export interface OrdersTable {
  id: string;
  number: string;
  channel_id: string;
  external_ref: string;
  customer_id: string;
  status: string;
  currency: string;
  subtotal_minor: number;
  discount_minor: Generated<number>;
  shipping_minor: Generated<number>;
  tax_minor: Generated<number>;
  shipping_tax_minor: Generated<number>;
  unallocated_discount_minor: Generated<number>;
  total_minor: number;
  payment_method: string | null;
  payment_authorized_minor: Generated<number>;
  delivery_method: string;
  pickup_location_id: string | null;
  shipping_address: Json<Address> | null;
  billing_address: Json<Address> | null;
  buyer_remark: string | null;
  purchase_order_number: string | null;
  entered_by: string | null;
  search_text: Generated<string>;
  tracking_token: string;
  items_signature: string;
  merged_into_id: string | null;
  split_from_id: string | null;
  placed_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface OrderLinesTable {
  id: string;
  order_id: string;
  line_no: number;
  sku_id: string;
  location_id: string | null;
  quantity: number;
  allocated: Generated<number>;
  shipped: Generated<number>;
  cancelled: Generated<number>;
  returned: Generated<number>;
  backordered: Generated<number>;
  unit_price_minor: number;
  discount_minor: Generated<number>;
  tax_minor: Generated<number>;
  order_discount_minor: Generated<number>;
}

export interface OrderHoldsTable {
  id: string;
  order_id: string;
  reason_code: string;
  rule_id: string | null;
  note: string | null;
  status: Generated<string>;
  created_at: Timestamp;
  decided_at: Date | null;
  decided_by: string | null;
}

export interface OrderFlagsTable {
  order_id: string;
  reason_code: string;
  rule_id: string | null;
  created_at: Timestamp;
}

export interface OrderTimelineTable {
  id: Generated<number>;
  order_id: string;
  at: Timestamp;
  actor: string;
  type: string;
  from_status: string | null;
  to_status: string | null;
  message: string;
  details: Json<Record<string, unknown>>;
}

export interface ReviewRulesTable {
  id: string;
  code: string;
  name: string;
  priority: Generated<number>;
  enabled: Generated<boolean>;
  condition: Json<{ match: 'all' | 'any'; conditions: { field: string; operator: string; value?: unknown }[] }>;
  action: string;
  reason_code: string;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ShipmentsTable {
  id: string;
  order_id: string;
  carrier_code: string | null;
  tracking_number: string | null;
  lines: Json<{ lineId: string; quantity: number }[]>;
  shipped_at: Timestamp;
  delivered_at: Date | null;
}

export interface DB {
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  idempotency_keys: IdempotencyKeysTable;
  skus: SkusTable;
  locations: LocationsTable;
  channels: ChannelsTable;
  sku_components: SkuComponentsTable;
  stock_levels: StockLevelsTable;
  stock_movements: StockMovementsTable;
  supply_orders: SupplyOrdersTable;
  supply_lines: SupplyLinesTable;
  reservations: ReservationsTable;
  channel_allocations: ChannelAllocationsTable;
  channel_availability: ChannelAvailabilityTable;
  stock_alerts: StockAlertsTable;
  stock_counts: StockCountsTable;
  stock_count_lines: StockCountLinesTable;
  stock_sync_state: StockSyncStateTable;
  stock_discrepancies: StockDiscrepanciesTable;
  outbox_events: OutboxEventsTable;
  carriers: CarriersTable;
  customers: CustomersTable;
  orders: OrdersTable;
  order_lines: OrderLinesTable;
  order_holds: OrderHoldsTable;
  order_flags: OrderFlagsTable;
  order_timeline: OrderTimelineTable;
  review_rules: ReviewRulesTable;
  shipments: ShipmentsTable;
}
