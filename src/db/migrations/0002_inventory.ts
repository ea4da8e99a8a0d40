import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, see 0001
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- Sales channels. The orders module adds to them; inventory needs them for channel allocation and ATP.
    CREATE TABLE channels (
      id                  uuid PRIMARY KEY,
      code                text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
      name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
      type                text NOT NULL CHECK (type IN ('web','marketplace','store','b2b','api')),
      currency            char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      order_number_prefix text NOT NULL DEFAULT '' CHECK (order_number_prefix ~ '^[A-Z0-9-]{0,12}$'),
      allow_backorder     boolean NOT NULL DEFAULT false,
      -- Supply arriving within this many days may be promised (presale); 0 = only stock on hand.
      presale_days        integer NOT NULL DEFAULT 0 CHECK (presale_days BETWEEN 0 AND 365),
      return_window_days  integer NOT NULL DEFAULT 30 CHECK (return_window_days BETWEEN 0 AND 3650),
      active              boolean NOT NULL DEFAULT true,
      version             integer NOT NULL DEFAULT 1,
      created_at          timestamptz NOT NULL DEFAULT now(),
      updated_at          timestamptz NOT NULL DEFAULT now()
    );

    -- Bundles (kits): a SKU made of other SKUs. Available bundles = min over components of component ATP / quantity.
    CREATE TABLE sku_components (
      bundle_sku_id    uuid NOT NULL REFERENCES skus(id),
      component_sku_id uuid NOT NULL REFERENCES skus(id),
      quantity         integer NOT NULL CHECK (quantity > 0),
      PRIMARY KEY (bundle_sku_id, component_sku_id),
      CHECK (bundle_sku_id <> component_sku_id)
    );
    CREATE INDEX sku_components_component ON sku_components (component_sku_id);

    -- Stock per SKU x location. Reserved and quarantined units are physically on hand, so both fit inside on_hand:
    -- the CHECK makes overselling unstorable, whatever the code above it does.
    CREATE TABLE stock_levels (
      sku_id          uuid NOT NULL REFERENCES skus(id),
      location_id     uuid NOT NULL REFERENCES locations(id),
      on_hand         integer NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
      reserved        integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
      quarantined     integer NOT NULL DEFAULT 0 CHECK (quarantined >= 0),
      -- Effective safety stock (units), held back from every channel. Set directly, or computed from the rule below.
      safety_stock    integer NOT NULL DEFAULT 0 CHECK (safety_stock >= 0),
      safety_weeks    numeric(6,2) CHECK (safety_weeks > 0),
      safety_lookback_weeks integer CHECK (safety_lookback_weeks BETWEEN 1 AND 104),
      reorder_point   integer CHECK (reorder_point >= 0),
      version         bigint NOT NULL DEFAULT 1,
      updated_at      timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (sku_id, location_id),
      CHECK (reserved + quarantined <= on_hand),
      CHECK ((safety_weeks IS NULL) = (safety_lookback_weeks IS NULL))
    );
    CREATE INDEX stock_levels_location ON stock_levels (location_id, sku_id);

    -- The append-only movement ledger: every change of a stock counter is a row here, written in the same
    -- transaction. on_hand = sum(on_hand_delta), and likewise for reserved and quarantined (see ordo check).
    CREATE TABLE stock_movements (
      id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at                timestamptz NOT NULL DEFAULT now(),
      sku_id            uuid NOT NULL,
      location_id       uuid NOT NULL,
      reason            text NOT NULL CHECK (reason IN ('receipt','adjustment','count','reservation','release',
                          'shipment','return_restock','transfer_out','transfer_in','quarantine','quarantine_release',
                          'write_off','external_sync')),
      on_hand_delta     integer NOT NULL DEFAULT 0,
      reserved_delta    integer NOT NULL DEFAULT 0,
      quarantined_delta integer NOT NULL DEFAULT 0,
      reference_type    text,
      reference_id      text,
      actor             text NOT NULL,
      note              text,
      CHECK (on_hand_delta <> 0 OR reserved_delta <> 0 OR quarantined_delta <> 0)
    );
    CREATE INDEX stock_movements_sku_location ON stock_movements (sku_id, location_id, id);
    CREATE INDEX stock_movements_reference ON stock_movements (reference_type, reference_id);
    CREATE RULE stock_movements_no_update AS ON UPDATE TO stock_movements DO INSTEAD NOTHING;
    CREATE RULE stock_movements_no_delete AS ON DELETE TO stock_movements DO INSTEAD NOTHING;

    -- Incoming supply: purchase orders, production orders, transfers between locations.
    CREATE TABLE supply_orders (
      id                 uuid PRIMARY KEY,
      type               text NOT NULL CHECK (type IN ('purchase_order','production_order','transfer')),
      reference          text CHECK (length(reference) <= 100),
      location_id        uuid NOT NULL REFERENCES locations(id),
      source_location_id uuid REFERENCES locations(id),
      status             text NOT NULL CHECK (status IN ('open','in_transit','received','cancelled')),
      expected_on        date NOT NULL,
      created_at         timestamptz NOT NULL DEFAULT now(),
      updated_at         timestamptz NOT NULL DEFAULT now(),
      CHECK ((type = 'transfer') = (source_location_id IS NOT NULL)),
      CHECK (source_location_id IS DISTINCT FROM location_id)
    );
    CREATE INDEX supply_orders_status ON supply_orders (status, expected_on);

    CREATE TABLE supply_lines (
      id                uuid PRIMARY KEY,
      supply_order_id   uuid NOT NULL REFERENCES supply_orders(id),
      sku_id            uuid NOT NULL REFERENCES skus(id),
      location_id       uuid NOT NULL REFERENCES locations(id),
      quantity          integer NOT NULL CHECK (quantity > 0),
      received          integer NOT NULL DEFAULT 0 CHECK (received >= 0),
      -- Units of this line already promised to presale/backorder reservations.
      reserved          integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
      expected_on       date NOT NULL,
      open              boolean NOT NULL DEFAULT true,
      UNIQUE (supply_order_id, sku_id),
      CHECK (received <= quantity),
      CHECK (reserved <= quantity - received OR NOT open)
    );
    CREATE INDEX supply_lines_open ON supply_lines (sku_id, location_id, expected_on) WHERE open;

    -- A quantity set aside for a reference (an order line). Open reservations count in stock_levels.reserved;
    -- presale ones (supply_line_id set) in supply_lines.reserved instead, until the supply arrives.
    CREATE TABLE reservations (
      id             uuid PRIMARY KEY,
      sku_id         uuid NOT NULL REFERENCES skus(id),
      location_id    uuid NOT NULL REFERENCES locations(id),
      channel_id     uuid REFERENCES channels(id),
      supply_line_id uuid REFERENCES supply_lines(id),
      quantity       integer NOT NULL CHECK (quantity >= 0),
      committed      integer NOT NULL DEFAULT 0 CHECK (committed >= 0),
      released       integer NOT NULL DEFAULT 0 CHECK (released >= 0),
      status         text NOT NULL CHECK (status IN ('open','committed','released','expired')),
      reference_type text NOT NULL,
      reference_id   text NOT NULL,
      expires_at     timestamptz,
      created_at     timestamptz NOT NULL DEFAULT now(),
      closed_at      timestamptz,
      CHECK ((status = 'open') = (quantity > 0))
    );
    CREATE INDEX reservations_open_sku ON reservations (sku_id, location_id) WHERE status = 'open';
    CREATE INDEX reservations_open_channel ON reservations (sku_id, channel_id) WHERE status = 'open';
    CREATE INDEX reservations_expiry ON reservations (expires_at) WHERE status = 'open' AND expires_at IS NOT NULL;
    CREATE INDEX reservations_reference ON reservations (reference_type, reference_id);
    CREATE INDEX reservations_supply_line ON reservations (supply_line_id, created_at) WHERE status = 'open' AND supply_line_id IS NOT NULL;

    -- Channel allocation: a dedicated quota per channel and SKU (sku_id NULL = the channel's default for every SKU),
    -- in units or as a percentage of the sellable stock. What no quota holds is the shared pool.
    CREATE TABLE channel_allocations (
      id            uuid PRIMARY KEY,
      channel_id    uuid NOT NULL REFERENCES channels(id),
      sku_id        uuid REFERENCES skus(id),
      quota_units   integer CHECK (quota_units >= 0),
      quota_percent numeric(5,2) CHECK (quota_percent > 0 AND quota_percent <= 100),
      created_at    timestamptz NOT NULL DEFAULT now(),
      updated_at    timestamptz NOT NULL DEFAULT now(),
      CHECK ((quota_units IS NULL) <> (quota_percent IS NULL))
    );
    CREATE UNIQUE INDEX channel_allocations_channel_sku ON channel_allocations (channel_id, sku_id) NULLS NOT DISTINCT;

    -- The last ATP published per channel and SKU: a change records an event only when the number really moved.
    CREATE TABLE channel_availability (
      channel_id uuid NOT NULL REFERENCES channels(id),
      sku_id     uuid NOT NULL REFERENCES skus(id),
      available  integer NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (channel_id, sku_id)
    );

    CREATE TABLE stock_alerts (
      id              uuid PRIMARY KEY,
      type            text NOT NULL CHECK (type IN ('low_stock')),
      sku_id          uuid NOT NULL REFERENCES skus(id),
      location_id     uuid NOT NULL REFERENCES locations(id),
      available       integer NOT NULL,
      reorder_point   integer NOT NULL,
      status          text NOT NULL CHECK (status IN ('open','acknowledged','resolved')),
      created_at      timestamptz NOT NULL DEFAULT now(),
      acknowledged_at timestamptz,
      acknowledged_by text,
      resolved_at     timestamptz
    );
    -- At most one unresolved alert of a kind per SKU x location.
    CREATE UNIQUE INDEX stock_alerts_one_open ON stock_alerts (type, sku_id, location_id) WHERE status <> 'resolved';
    CREATE INDEX stock_alerts_status ON stock_alerts (status, created_at);

    -- Cycle counts: expected quantities are snapshot when the count opens; posting applies counted - expected.
    CREATE TABLE stock_counts (
      id          uuid PRIMARY KEY,
      location_id uuid NOT NULL REFERENCES locations(id),
      status      text NOT NULL CHECK (status IN ('open','posted','cancelled')),
      note        text,
      created_at  timestamptz NOT NULL DEFAULT now(),
      posted_at   timestamptz
    );
    CREATE TABLE stock_count_lines (
      count_id uuid NOT NULL REFERENCES stock_counts(id),
      sku_id   uuid NOT NULL REFERENCES skus(id),
      expected integer NOT NULL,
      counted  integer CHECK (counted >= 0),
      PRIMARY KEY (count_id, sku_id)
    );

    -- ERP/WMS sync: the newest version each source reported per SKU x location, so older messages are ignored.
    CREATE TABLE stock_sync_state (
      source      text NOT NULL,
      sku_id      uuid NOT NULL REFERENCES skus(id),
      location_id uuid NOT NULL REFERENCES locations(id),
      version     numeric NOT NULL,
      on_hand     integer NOT NULL,
      reported_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (source, sku_id, location_id)
    );
    CREATE TABLE stock_discrepancies (
      id            uuid PRIMARY KEY,
      source        text NOT NULL,
      sku_id        uuid NOT NULL REFERENCES skus(id),
      location_id   uuid NOT NULL REFERENCES locations(id),
      version       numeric NOT NULL,
      ordo_on_hand  integer NOT NULL,
      source_on_hand integer NOT NULL,
      status        text NOT NULL CHECK (status IN ('pending','approved','rejected','superseded')),
      reason        text NOT NULL,
      created_at    timestamptz NOT NULL DEFAULT now(),
      decided_at    timestamptz,
      decided_by    text
    );
    CREATE UNIQUE INDEX stock_discrepancies_one_pending ON stock_discrepancies (source, sku_id, location_id) WHERE status = 'pending';

    -- The transactional outbox: events written in the transaction that made them true, relayed later.
    CREATE TABLE outbox_events (
      id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      type           text NOT NULL,
      aggregate_type text NOT NULL,
      aggregate_id   text NOT NULL,
      payload        jsonb NOT NULL,
      created_at     timestamptz NOT NULL DEFAULT now(),
      published_at   timestamptz
    );
    CREATE INDEX outbox_events_unpublished ON outbox_events (id) WHERE published_at IS NULL;
    CREATE INDEX outbox_events_aggregate ON outbox_events (aggregate_type, aggregate_id, id);
  `.execute(db);
}
