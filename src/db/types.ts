/**
 * The Kysely view of the schema, generated from the migrations by `npm run db:types` (src/db/generate-types.ts).
 * Do not edit: write a migration, then run `npm run db:types`. The shapes of jsonb columns live in json-types.ts.
 */
import type { OrderStatus } from "../order/order-status.js";
import type { Address, Json as JsonColumn, RateZoneJson, ReviewCondition, ShipmentLine, SkuAttributes, StoredJson } from "./json-types.js";
import type { ColumnType } from "kysely";

export type ArrayType<T> = ArrayTypeImpl<T> extends (infer U)[]
  ? U[]
  : ArrayTypeImpl<T>;

export type ArrayTypeImpl<T> = T extends ColumnType<infer S, infer I, infer U>
  ? ColumnType<S[], I[], U[]>
  : T[];

export type Generated<T> = T extends ColumnType<infer S, infer I, infer U>
  ? ColumnType<S, I | undefined, U>
  : ColumnType<T, T | undefined, T>;

export type Json = JsonValue;

export type JsonArray = JsonValue[];

export type JsonObject = {
  [x: string]: JsonValue | undefined;
};

export type JsonPrimitive = boolean | number | string | null;

export type JsonValue = JsonArray | JsonObject | JsonPrimitive;

export type Numeric = ColumnType<number, number | string, number | string>;

export type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface ApiKeys {
  created_at: Generated<Timestamp>;
  created_by: string | null;
  created_by_user: string | null;
  id: string;
  key_hash: Buffer;
  name: string;
  prefix: string;
  revoked_at: Timestamp | null;
  role: string;
}

export interface AuditLog {
  action: string;
  actor_id: string | null;
  actor_name: string;
  at: Generated<Timestamp>;
  details: JsonColumn;
  entity_id: string | null;
  entity_type: string;
  id: Generated<number>;
  request_id: string | null;
}

export interface Carriers {
  active: Generated<boolean>;
  adapter: Generated<string>;
  code: string;
  created_at: Generated<Timestamp>;
  id: string;
  name: string;
  tracking_url_template: string | null;
  updated_at: Generated<Timestamp>;
  version: Generated<number>;
}

export interface CarrierServices {
  active: Generated<boolean>;
  carrier_id: string;
  code: string;
  created_at: Generated<Timestamp>;
  dim_factor: number | null;
  id: string;
  name: string;
  position: Generated<number>;
  transit_days_max: number;
  transit_days_min: number;
  updated_at: Generated<Timestamp>;
}

export interface ChannelAllocations {
  channel_id: string;
  created_at: Generated<Timestamp>;
  id: string;
  quota_percent: Numeric | null;
  quota_units: number | null;
  sku_id: string | null;
  updated_at: Generated<Timestamp>;
}

export interface ChannelAvailability {
  available: number;
  channel_id: string;
  sku_id: string;
  updated_at: Generated<Timestamp>;
  version: Generated<number>;
}

export interface Channels {
  active: Generated<boolean>;
  allow_backorder: Generated<boolean>;
  code: string;
  created_at: Generated<Timestamp>;
  currency: string;
  default_language: Generated<string>;
  default_transit_days: number | null;
  handling_days: Generated<number>;
  id: string;
  name: string;
  order_number_prefix: Generated<string>;
  presale_days: Generated<number>;
  return_window_days: Generated<number>;
  type: string;
  updated_at: Generated<Timestamp>;
  version: Generated<number>;
}

export interface ConnectorHeldOrders {
  attempts: Generated<number>;
  channel_id: string;
  created_at: Generated<Timestamp>;
  external_ref: string;
  id: string;
  order_id: string | null;
  payload: Json;
  reason: string;
  reason_code: string;
  status: Generated<string>;
  topic: string;
  updated_at: Generated<Timestamp>;
}

export interface ConnectorLog {
  at: Generated<Timestamp>;
  channel_id: string;
  details: Json | null;
  direction: string;
  external_ref: string | null;
  id: Generated<number>;
  lag_ms: number | null;
  message: string | null;
  order_id: string | null;
  outcome: string;
  status_code: number | null;
  topic: string;
}

export interface Connectors {
  active: Generated<boolean>;
  channel_id: string;
  created_at: Generated<Timestamp>;
  kind: string;
  pull_cursor: string | null;
  pull_failures: Generated<number>;
  pull_next_at: Timestamp | null;
  secret_names: Generated<string[]>;
  secrets: Buffer | null;
  settings: Generated<Json>;
  updated_at: Generated<Timestamp>;
  version: Generated<number>;
}

export interface ConnectorStockPushes {
  available: number;
  channel_id: string;
  pushed_at: Generated<Timestamp>;
  sku_id: string;
  version: number;
}

export interface Customers {
  blocked: Generated<boolean>;
  blocked_reason: string | null;
  company: string | null;
  created_at: Generated<Timestamp>;
  email: string | null;
  id: string;
  language: string | null;
  name: string;
  payment_terms_days: Generated<number>;
  phone: string | null;
  type: Generated<string>;
  updated_at: Generated<Timestamp>;
  vat_id: string | null;
  version: Generated<number>;
}

export interface DeliveryAttempts {
  attempted_at: Generated<Timestamp>;
  delivery_id: number;
  error: string | null;
  id: Generated<number>;
  latency_ms: number;
  outcome: string;
  response_excerpt: string | null;
  status_code: number | null;
}

export interface DeliveryRounds {
  delivered_at: Generated<Timestamp>;
  id: Generated<number>;
  latencies_ms: number[];
  outbox_ids: ArrayType<number>;
  sink: string;
  status_codes: number[];
}

export interface EventDeliveries {
  aggregate_id: string;
  aggregate_type: string;
  aggregate_version: number;
  attempts: Generated<number>;
  coalesced: Generated<boolean>;
  created_at: Generated<Timestamp>;
  delivered_at: Timestamp | null;
  event_id: string;
  id: Generated<number>;
  last_error: string | null;
  leased_until: Timestamp | null;
  next_attempt_at: Generated<Timestamp>;
  outbox_id: number;
  sink: string;
  status: Generated<string>;
  type: string;
}

export interface EventSinks {
  active: Generated<boolean>;
  after_id: Generated<number>;
  after_tx: Generated<string>;
  event_types: string[];
  kind: string;
  lease_token: string | null;
  leased_until: Timestamp | null;
  sink: string;
  subscription_id: string | null;
}

export interface FulfillmentOrderLines {
  fulfillment_order_id: string;
  line_id: string;
  quantity: number;
  shipped: Generated<number>;
}

export interface FulfillmentOrders {
  created_at: Generated<Timestamp>;
  id: string;
  kind: string;
  location_id: string;
  number: string;
  order_id: string;
  pickup_attempts: Generated<number>;
  pickup_code: string | null;
  ready_at: Timestamp | null;
  reason: string | null;
  status: Generated<string>;
  updated_at: Generated<Timestamp>;
  version: Generated<number>;
}

export interface FxRates {
  currency: string;
  effective_from: string;
  rate: Numeric;
}

export interface IdempotencyKeys {
  created_at: Generated<Timestamp>;
  key: string;
  method: string;
  path: string;
  principal_id: string;
  request_hash: string;
  response_body: StoredJson;
  response_status: number | null;
}

export interface LocationDailyLoads {
  day: string;
  location_id: string;
  orders: number;
}

export interface Locations {
  active: Generated<boolean>;
  address_line1: string | null;
  address_line2: string | null;
  can_pickup: Generated<boolean>;
  can_ship: Generated<boolean>;
  city: string | null;
  code: string;
  country: string | null;
  created_at: Generated<Timestamp>;
  cutoff_time: string | null;
  daily_capacity: number | null;
  id: string;
  latitude: number | null;
  longitude: number | null;
  name: string;
  postal_code: string | null;
  priority: Generated<number>;
  region: string | null;
  serves_regions: string[] | null;
  state: string | null;
  time_zone: string | null;
  type: string;
  updated_at: Generated<Timestamp>;
  version: Generated<number>;
}

export interface Notifications {
  attempts: Generated<number>;
  audience: string;
  body: string;
  created_at: Generated<Timestamp>;
  event_id: string;
  event_type: string;
  id: Generated<number>;
  language: string;
  message_id: string | null;
  order_id: string | null;
  reason: string | null;
  recipient: string | null;
  sent_at: Timestamp | null;
  status: Generated<string>;
  subject: string;
  template: string;
}

export interface OrderFlags {
  created_at: Generated<Timestamp>;
  order_id: string;
  reason_code: string;
  rule_id: string | null;
}

export interface OrderHolds {
  created_at: Generated<Timestamp>;
  decided_at: Timestamp | null;
  decided_by: string | null;
  id: string;
  note: string | null;
  order_id: string;
  reason_code: string;
  rule_id: string | null;
  status: Generated<string>;
}

export interface OrderLines {
  allocated: Generated<number>;
  backordered: Generated<number>;
  cancelled: Generated<number>;
  discount_minor: Generated<number>;
  id: string;
  line_no: number;
  location_id: string | null;
  order_discount_minor: Generated<number>;
  order_id: string;
  quantity: number;
  returned: Generated<number>;
  shipped: Generated<number>;
  sku_id: string;
  split_from_line_no: number | null;
  tax_minor: Generated<number>;
  unit_price_minor: number;
}

export interface Orders {
  billing_address: JsonColumn<Address> | null;
  buyer_remark: string | null;
  channel_id: string;
  created_at: Generated<Timestamp>;
  currency: string;
  customer_id: string;
  delivery_method: string;
  discount_minor: Generated<number>;
  entered_by: string | null;
  external_ref: string;
  id: string;
  items_signature: string;
  merged_into_id: string | null;
  number: string;
  payment_authorized_minor: Generated<number>;
  payment_method: string | null;
  pickup_location_id: string | null;
  placed_at: Timestamp;
  promised_delivery_date: string | null;
  purchase_order_number: string | null;
  search_text: Generated<string>;
  shipping_address: JsonColumn<Address> | null;
  shipping_minor: Generated<number>;
  shipping_tax_minor: Generated<number>;
  split_from_id: string | null;
  status: OrderStatus;
  subtotal_minor: number;
  tax_minor: Generated<number>;
  total_minor: number;
  tracking_token: string;
  unallocated_discount_minor: Generated<number>;
  updated_at: Generated<Timestamp>;
  version: Generated<number>;
}

export interface OrderTimeline {
  actor: string;
  at: Generated<Timestamp>;
  details: JsonColumn;
  from_status: string | null;
  id: Generated<number>;
  message: string;
  order_id: string;
  to_status: string | null;
  type: string;
}

export interface OrderVolume {
  bucket_start: Timestamp;
  channel_id: string;
  currency: string;
  orders: number;
  revenue_minor: number;
}

export interface OrderVolumeState {
  covers_from: Timestamp;
  covers_to: Timestamp;
  id: Generated<boolean>;
  rebuilt_at: Timestamp;
}

export interface OutboxEvents {
  aggregate_id: string;
  aggregate_type: string;
  aggregate_version: number;
  created_at: Generated<Timestamp>;
  event_id: Generated<string>;
  id: Generated<number>;
  payload: JsonColumn;
  tx: Generated<string>;
  type: string;
}

export interface PaymentPolicies {
  capture: Generated<string>;
  channel_id: string;
  provider: string;
  updated_at: Generated<Timestamp>;
}

export interface PaymentProviders {
  active: Generated<boolean>;
  base_url: string | null;
  code: string;
  created_at: Generated<Timestamp>;
  kind: string;
  test_delay_ms: number | null;
  test_outcome: string | null;
  test_reason: string | null;
  timeout_ms: Generated<number>;
  updated_at: Generated<Timestamp>;
}

export interface Payments {
  actor: string;
  amount_minor: number;
  bank_row_key: string | null;
  captured_part_minor: Generated<number>;
  counterpart_order_id: string | null;
  created_at: Generated<Timestamp>;
  currency: string;
  explanation: Json | null;
  failure_reason: string | null;
  id: string;
  kind: string;
  method: string | null;
  order_id: string;
  principal_id: string | null;
  provider: string;
  provider_key: string;
  provider_ref: string | null;
  reason: string | null;
  request_hash: string | null;
  request_key: string | null;
  return_id: string | null;
  settled_at: Timestamp | null;
  status: string;
  test_instruction: Json | null;
}

export interface PaymentSettings {
  base_currency: Generated<string>;
  singleton: Generated<boolean>;
}

export interface PaymentTestOperations {
  amount_minor: number;
  answer_at: Timestamp;
  created_at: Generated<Timestamp>;
  operation: string;
  provider: string;
  provider_key: string;
  reason: string | null;
  reference: string | null;
  status: string;
}

export interface RateCatalog {
  singleton: Generated<boolean>;
  version: Generated<string>;
}

export interface RateTables {
  currency: string;
  max_weight_grams: number | null;
  pricing: string;
  service_id: string;
  updated_at: Generated<Timestamp>;
  version: Generated<number>;
  zones: JsonColumn<RateZoneJson[]>;
}

export interface Reservations {
  channel_id: string | null;
  closed_at: Timestamp | null;
  committed: Generated<number>;
  created_at: Generated<Timestamp>;
  expires_at: Timestamp | null;
  id: string;
  location_id: string;
  quantity: number;
  reference_id: string;
  reference_type: string;
  released: Generated<number>;
  sku_id: string;
  status: string;
  supply_line_id: string | null;
}

export interface ReturnLines {
  id: string;
  order_line_id: string;
  quantity: number;
  quarantined: Generated<number>;
  reason_code: string;
  received: Generated<number>;
  restocked: Generated<number>;
  return_id: string;
  sku_id: string;
  written_off: Generated<number>;
}

export interface ReturnPolicies {
  channel_id: string;
  non_returnable_skus: Generated<string[]>;
  refund_shipping: Generated<boolean>;
  restocking_fee_bps: Generated<number>;
  updated_at: Generated<Timestamp>;
}

export interface Returns {
  created_at: Generated<Timestamp>;
  created_by: string;
  decided_note: string | null;
  exchange_minor: Generated<number>;
  exchange_order_id: string | null;
  id: string;
  location_id: string | null;
  note: string | null;
  number: string;
  order_id: string;
  reason_code: string;
  status: string;
  updated_at: Generated<Timestamp>;
  version: Generated<number>;
}

export interface ReviewRules {
  action: string;
  code: string;
  condition: JsonColumn<ReviewCondition>;
  created_at: Generated<Timestamp>;
  enabled: Generated<boolean>;
  id: string;
  name: string;
  priority: Generated<number>;
  reason_code: string;
  updated_at: Generated<Timestamp>;
  version: Generated<number>;
}

export interface SavedViews {
  api_key_id: string | null;
  created_at: Generated<Timestamp>;
  filters: Json;
  id: string;
  list: string;
  name: string;
  owner_id: Generated<string | null>;
  updated_at: Generated<Timestamp>;
  user_id: string | null;
  version: Generated<number>;
}

export interface ShipmentEvents {
  applied: boolean;
  description: string | null;
  external_id: string;
  id: Generated<number>;
  location: string | null;
  occurred_at: Timestamp;
  received_at: Generated<Timestamp>;
  shipment_id: string;
  type: string;
}

export interface Shipments {
  carrier_code: string | null;
  delivered_at: Timestamp | null;
  fulfillment_order_id: string | null;
  id: string;
  kind: Generated<string>;
  lines: JsonColumn<ShipmentLine[]>;
  order_id: string;
  parcels: Generated<number>;
  service_code: string | null;
  shipped_at: Generated<Timestamp>;
  status: Generated<string>;
  status_at: Timestamp | null;
  tracking_number: string | null;
  version: Generated<number>;
  weight_grams: number | null;
}

export interface SkuComponents {
  bundle_sku_id: string;
  component_sku_id: string;
  quantity: number;
}

export interface SkuLocationDemand {
  computed_at: Generated<Timestamp>;
  days: number;
  location_id: string;
  sku_id: string;
  units: number;
}

export interface Skus {
  active: Generated<boolean>;
  attributes: JsonColumn<SkuAttributes>;
  barcode: string | null;
  code: string;
  created_at: Generated<Timestamp>;
  currency: string | null;
  height_mm: number | null;
  id: string;
  length_mm: number | null;
  name: string;
  price_minor: number | null;
  updated_at: Generated<Timestamp>;
  version: Generated<number>;
  weight_grams: number | null;
  width_mm: number | null;
}

export interface SourcingDecisions {
  decided_at: Generated<Timestamp>;
  explanation: Json;
  order_id: string;
  reason: string | null;
  seq: number;
  trigger: string;
}

export interface SourcingRuleSets {
  channel_id: string;
  rules: Json;
  split_lines: Generated<boolean>;
  updated_at: Generated<Timestamp>;
  version: Generated<number>;
}

export interface StockAlerts {
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  available: number;
  created_at: Generated<Timestamp>;
  id: string;
  location_id: string;
  reorder_point: number;
  resolved_at: Timestamp | null;
  sku_id: string;
  status: string;
  type: string;
}

export interface StockCountLines {
  count_id: string;
  counted: number | null;
  expected: number;
  sku_id: string;
}

export interface StockCounts {
  created_at: Generated<Timestamp>;
  id: string;
  location_id: string;
  note: string | null;
  posted_at: Timestamp | null;
  status: string;
}

export interface StockDiscrepancies {
  created_at: Generated<Timestamp>;
  decided_at: Timestamp | null;
  decided_by: string | null;
  id: string;
  location_id: string;
  ordo_on_hand: number;
  reason: string;
  sku_id: string;
  source: string;
  source_on_hand: number;
  status: string;
  version: Numeric;
}

export interface StockLevels {
  location_id: string;
  on_hand: Generated<number>;
  quarantined: Generated<number>;
  reorder_point: number | null;
  reserved: Generated<number>;
  safety_lookback_weeks: number | null;
  safety_stock: Generated<number>;
  safety_weeks: Numeric | null;
  sku_id: string;
  updated_at: Generated<Timestamp>;
  version: Generated<number>;
}

export interface StockMovements {
  actor: string;
  at: Generated<Timestamp>;
  id: Generated<number>;
  location_id: string;
  note: string | null;
  on_hand_delta: Generated<number>;
  quarantined_delta: Generated<number>;
  reason: string;
  reference_id: string | null;
  reference_type: string | null;
  reserved_delta: Generated<number>;
  sku_id: string;
}

export interface StockSignalsPending {
  created_at: Generated<Timestamp>;
  id: Generated<number>;
  pair_locations: string[];
  pair_skus: string[];
  skus: string[];
}

export interface StockSyncSnapshots {
  location_id: string;
  reported_at: Generated<Timestamp>;
  seq: number;
  source: string;
  version: Numeric;
}

export interface StockSyncState {
  excluded_seq: Generated<number>;
  location_id: string;
  on_hand: number;
  reported_at: Generated<Timestamp>;
  sku_id: string;
  source: string;
  version: Numeric;
}

export interface SupplyLines {
  expected_on: string;
  id: string;
  location_id: string;
  open: Generated<boolean>;
  quantity: number;
  received: Generated<number>;
  reserved: Generated<number>;
  sku_id: string;
  supply_order_id: string;
}

export interface SupplyOrders {
  created_at: Generated<Timestamp>;
  expected_on: string;
  id: string;
  location_id: string;
  reference: string | null;
  source_location_id: string | null;
  status: string;
  type: string;
  updated_at: Generated<Timestamp>;
}

export interface Users {
  created_at: Generated<Timestamp>;
  disabled_at: Timestamp | null;
  email: string;
  failed_sign_ins: Generated<number>;
  id: string;
  locked_until: Timestamp | null;
  name: string;
  password_hash: string;
  role: string;
}

export interface UserSessions {
  created_at: Generated<Timestamp>;
  csrf_token: string;
  expires_at: Timestamp;
  id: string;
  revoked_at: Timestamp | null;
  token_hash: Buffer;
  user_id: string;
}

export interface WebhookSubscriptions {
  created_at: Generated<Timestamp>;
  description: string | null;
  disabled_at: Timestamp | null;
  disabled_reason: string | null;
  event_types: string[];
  id: string;
  previous_secret: string | null;
  previous_secret_expires_at: Timestamp | null;
  secret: string;
  status: Generated<string>;
  updated_at: Generated<Timestamp>;
  url: string;
  version: Generated<number>;
}

export interface DB {
  api_keys: ApiKeys;
  audit_log: AuditLog;
  carrier_services: CarrierServices;
  carriers: Carriers;
  channel_allocations: ChannelAllocations;
  channel_availability: ChannelAvailability;
  channels: Channels;
  connector_held_orders: ConnectorHeldOrders;
  connector_log: ConnectorLog;
  connector_stock_pushes: ConnectorStockPushes;
  connectors: Connectors;
  customers: Customers;
  delivery_attempts: DeliveryAttempts;
  delivery_rounds: DeliveryRounds;
  event_deliveries: EventDeliveries;
  event_sinks: EventSinks;
  fulfillment_order_lines: FulfillmentOrderLines;
  fulfillment_orders: FulfillmentOrders;
  fx_rates: FxRates;
  idempotency_keys: IdempotencyKeys;
  location_daily_loads: LocationDailyLoads;
  locations: Locations;
  notifications: Notifications;
  order_flags: OrderFlags;
  order_holds: OrderHolds;
  order_lines: OrderLines;
  order_timeline: OrderTimeline;
  order_volume: OrderVolume;
  order_volume_state: OrderVolumeState;
  orders: Orders;
  outbox_events: OutboxEvents;
  payment_policies: PaymentPolicies;
  payment_providers: PaymentProviders;
  payment_settings: PaymentSettings;
  payment_test_operations: PaymentTestOperations;
  payments: Payments;
  rate_catalog: RateCatalog;
  rate_tables: RateTables;
  reservations: Reservations;
  return_lines: ReturnLines;
  return_policies: ReturnPolicies;
  returns: Returns;
  review_rules: ReviewRules;
  saved_views: SavedViews;
  shipment_events: ShipmentEvents;
  shipments: Shipments;
  sku_components: SkuComponents;
  sku_location_demand: SkuLocationDemand;
  skus: Skus;
  sourcing_decisions: SourcingDecisions;
  sourcing_rule_sets: SourcingRuleSets;
  stock_alerts: StockAlerts;
  stock_count_lines: StockCountLines;
  stock_counts: StockCounts;
  stock_discrepancies: StockDiscrepancies;
  stock_levels: StockLevels;
  stock_movements: StockMovements;
  stock_signals_pending: StockSignalsPending;
  stock_sync_snapshots: StockSyncSnapshots;
  stock_sync_state: StockSyncState;
  supply_lines: SupplyLines;
  supply_orders: SupplyOrders;
  user_sessions: UserSessions;
  users: Users;
  webhook_subscriptions: WebhookSubscriptions;
}
