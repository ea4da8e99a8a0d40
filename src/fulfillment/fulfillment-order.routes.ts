/**
 * Fulfilment routes: handing an order to the warehouse, the location's steps on its fulfilment orders, pick lists,
 * packing slips, store pickup, shipments and tracking events. Thin: schema and permission, then a use case through
 * `run` or a read. docs/fulfillment.md tells the flow; docs/integration.md how a WMS drives it.
 */
import { Type } from 'typebox';
import { personalDataOf } from '../access/index.js';
import type { Db } from '../db/database.js';
import type { App } from '../http/app.js';
import type { RunCommand } from '../http/command.js';
import { decodeCursor, page } from '../http/pagination.js';
import { problemResponse, unknownRefResponse } from '../http/openapi.js';
import { Id, IdParams, Page } from '../http/schemas.js';
import { OrderView, redactOrder } from '../order/index.js';
import { AppError } from '../shared/errors.js';
import { markReadyForPickup, advanceFulfillmentOrder, type Step } from './advance-fulfillment-order.js';
import { cancelFulfillmentOrder } from './cancel-fulfillment-order.js';
import {
  CancelRequest, CreateShipmentRequest, FulfillmentOrder, FulfillmentOrderQuery, HandOverRequest, Note, RejectRequest, Shipment,
  ShipmentWithEvents, ShipOrderRequest, TrackingEventRequest,
} from './fulfillment-order.js';
import { countPickupAttempt, listFulfillmentOrders, loadFulfillmentOrder } from './fulfillment-order.repository.js';
import { handOverPickup } from './hand-over-pickup.js';
import { renderPackingSlip } from './packing-slip.js';
import { PickList, PickListQuery, packingSlipFacts, pickList } from './pick-list.js';
import { rejectFulfillmentOrder } from './reject-fulfillment-order.js';
import { releaseToFulfillment } from './release-to-fulfillment.js';
import { shipFulfillmentOrder, shipOrder } from './ship-fulfillment-order.js';
import { listShipments, loadShipment } from './shipment.repository.js';
import { recordTrackingEvent } from './track-shipment.js';
import { loadFulfillmentLines } from './fulfillment-lines.repository.js';

export interface FulfillmentSettings {
  /** A pickup order not collected this many days after it was ready is cancelled and restocked. */
  pickupExpiryDays: number;
  /** A delivered order completes by itself this many days after delivery. */
  completeAfterDays: number;
}
export const defaultFulfillmentSettings: FulfillmentSettings = { pickupExpiryDays: 7, completeAfterDays: 14 };

const tags = ['fulfillment'];

export function registerFulfillmentRoutes(app: App, { db, run, settings = defaultFulfillmentSettings }: { db: Db; run: RunCommand; settings?: FulfillmentSettings }): void {
  // ---- the order's hand-over to the warehouse, and the order-level parcel -----------------------------------------
  app.post('/orders/:id/release', {
    config: { permission: 'order:write' },
    schema: {
      tags: ['orders'],
      summary: 'Hand an allocated order to the warehouse (→ in_fulfillment): one fulfilment order per location',
      description: 'Each location holding reserved units of the order gets a fulfilment order (`fulfillment.requested`), which it accepts, picks, packs and ships (docs/fulfillment.md).',
      params: IdParams,
      response: { 200: OrderView },
    },
  }, async (request, reply) => redactOrder(await run(request, reply, (trx, ctx) => releaseToFulfillment(trx, request.params.id, ctx)), personalDataOf(request)));

  app.post('/orders/:id/ship', {
    config: { permission: 'order:ship' },
    schema: {
      tags: ['orders'],
      summary: 'Record a parcel: ships reserved units of some lines (→ partially_shipped or shipped)',
      description: 'The order-level shortcut for `POST /v1/shipments`: commits the reservations of the shipped units (on hand goes down, a shipment movement in the ledger) and counts them on the fulfilment orders holding them. The warehouse role may ship; it gets the parcel\'s address back in full and the customer\'s name, e-mail and phone masked.',
      params: IdParams,
      body: ShipOrderRequest,
      response: { 201: Type.Object({ shipment: Shipment, order: OrderView }) },
    },
  }, async (request, reply) => {
    const { shipment, order } = await run(request, reply, (trx, ctx) => shipOrder(trx, request.params.id, request.body, ctx));
    return { shipment, order: redactOrder(order, personalDataOf(request)) };
  });

  // ---- fulfilment orders --------------------------------------------------------------------------------------------
  app.get('/fulfillment-orders', {
    config: { permission: 'fulfillment:read' },
    schema: { tags, summary: 'List fulfilment orders (oldest first), by location, status or order', querystring: FulfillmentOrderQuery, response: { 200: Page(FulfillmentOrder) } },
  }, async (request) => {
    const { limit = 50, cursor, ...filter } = request.query;
    const after = decodeCursor(cursor, ['uuid']);
    const rows = await listFulfillmentOrders(db, { ...filter, afterId: after?.[0], limit: limit + 1 });
    return page(request, rows, limit, (last) => [last.id]);
  });

  app.get('/fulfillment-orders/:id', {
    config: { permission: 'fulfillment:read' },
    schema: { tags, summary: 'Get a fulfilment order', params: IdParams, response: { 200: FulfillmentOrder } },
  }, async (request) => loadFulfillmentOrder(db, request.params.id));

  const steps: [string, Step, string][] = [
    ['accept', 'accepted', 'The location accepts the fulfilment order (requested → accepted)'],
    ['start-picking', 'picking', 'Picking starts (accepted → picking)'],
    ['pack', 'packed', 'Everything is packed (picking → packed)'],
  ];
  for (const [verb, to, summary] of steps) {
    app.post(`/fulfillment-orders/:id/${verb}`, {
      config: { permission: 'fulfillment:write' },
      schema: { tags, summary, params: IdParams, body: Note, response: { 200: FulfillmentOrder } },
    }, (request, reply) => run(request, reply, (trx, ctx) => advanceFulfillmentOrder(trx, request.params.id, to, request.body, ctx)));
  }

  app.post('/fulfillment-orders/:id/ready-for-pickup', {
    config: { permission: 'fulfillment:write' },
    schema: {
      tags,
      summary: 'A packed pickup order is on the shelf (packed → ready_for_pickup): the customer is sent a pickup code',
      description: `The code goes to the customer (\`fulfillment.ready_for_pickup\`, the ready-for-pickup notification), never to the store: staff ask for it at the hand-over. Not collected within the setting PICKUP_EXPIRY_DAYS (now ${settings.pickupExpiryDays}) days, the order is cancelled and its stock released.`,
      params: IdParams, body: Note, response: { 200: FulfillmentOrder },
    },
  }, (request, reply) => run(request, reply, (trx, ctx) => markReadyForPickup(trx, request.params.id, request.body, ctx, settings)));

  app.post('/fulfillment-orders/:id/hand-over', {
    config: { permission: 'fulfillment:write' },
    schema: {
      tags,
      summary: 'Hand a pickup order to the customer, who shows the pickup code (ready_for_pickup → picked_up; the order is delivered)',
      description: 'A wrong code answers 409 `pickup_code_mismatch` with `attempts`, the count of refused codes so far (also on the fulfilment order as `pickupAttempts`).',
      params: IdParams, body: HandOverRequest, response: { 200: FulfillmentOrder },
    },
  }, async (request, reply) => {
    try {
      return await run(request, reply, (trx, ctx) => handOverPickup(trx, request.params.id, request.body, ctx));
    } catch (e) {
      // The refused command rolled back; the count of wrong codes is kept outside it.
      if (e instanceof AppError && e.code === 'pickup_code_mismatch') e.extra.attempts = await countPickupAttempt(db, request.params.id);
      throw e;
    }
  });

  app.post('/fulfillment-orders/:id/reject', {
    config: { permission: 'fulfillment:write' },
    schema: {
      tags,
      summary: 'The location cannot fulfil it: the shortfall is written off or quarantined, and the units go back to be sourced again',
      description: 'Every open unit is released (the order goes back to confirmed, its units backordered, and the backorder fill reserves them where stock is free); the order\'s other open fulfilment orders are withdrawn. `shortfall` says what the location found missing (`write_off`), damaged (`quarantine`) or neither (`none`).',
      params: IdParams, body: RejectRequest, response: { 200: FulfillmentOrder },
    },
  }, (request, reply) => run(request, reply, (trx, ctx) => rejectFulfillmentOrder(trx, request.params.id, request.body, ctx)));

  app.post('/fulfillment-orders/:id/cancel', {
    config: { permission: 'order:write' },
    schema: {
      tags,
      summary: 'Cancel what a fulfilment order still holds: its open units are cancelled on the order (stock released)',
      params: IdParams, body: CancelRequest, response: { 200: FulfillmentOrder },
    },
  }, (request, reply) => run(request, reply, (trx, ctx) => cancelFulfillmentOrder(trx, request.params.id, request.body, ctx)));

  app.get('/fulfillment-orders/:id/packing-slip.pdf', {
    config: { permission: 'order:read_shipping' },
    schema: {
      tags,
      summary: 'The packing slip of a fulfilment order, as a PDF (A4; Chinese and Latin text)',
      params: IdParams,
      response: { 200: { description: 'The packing slip', content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } } } },
    },
  }, async (request, reply) => {
    const fo = await loadFulfillmentOrder(db, request.params.id);
    const facts = await packingSlipFacts(db, request.params.id);
    if (!facts) throw new AppError('not_found', `fulfillment order ${request.params.id} does not exist`);
    const lines = await loadFulfillmentLines(db, fo.id);
    const pdf = await renderPackingSlip({
      number: fo.number, orderNumber: fo.orderNumber, placedAt: facts.placedAt.toISOString(), kind: fo.kind,
      from: { name: facts.locName, lines: facts.locLines.filter((l): l is string => !!l && l.trim() !== '') },
      shipTo: facts.shipTo as never, customerName: facts.customerName, buyerRemark: facts.buyerRemark, lines,
    });
    return reply.type('application/pdf').header('content-disposition', `inline; filename="${fo.number}.pdf"`).send(pdf as unknown as string);
  });

  app.get('/locations/:ref/pick-list', {
    config: { permission: 'fulfillment:read' },
    schema: {
      tags,
      summary: 'The pick list of a location: open units of its fulfilment orders, oldest first, grouped by SKU with each order\'s quantity',
      params: Type.Object({ ref: Type.String({ minLength: 1, maxLength: 64, description: 'Location code or id' }) }, { additionalProperties: false }),
      querystring: PickListQuery,
      response: { 200: PickList },
    },
  }, async (request) => pickList(db, request.params.ref, request.query));

  // ---- shipments ------------------------------------------------------------------------------------------------------
  app.post('/shipments', {
    config: { permission: 'order:ship' },
    schema: {
      tags,
      summary: 'Ship all or part of a fulfilment order with a carrier, service, tracking number, parcels and weight',
      description: 'Commits the stock of the shipped units in the same transaction. More units than the fulfilment order still holds (a second shipment of the same units too) is a 409 `ship_exceeds_open` with the numbers per line.',
      body: CreateShipmentRequest,
      response: { 201: Type.Object({ shipment: Shipment, fulfillmentOrder: FulfillmentOrder }), 404: unknownRefResponse() },
    },
  }, (request, reply) => run(request, reply, (trx, ctx) => shipFulfillmentOrder(trx, request.body, ctx)));

  app.get('/shipments', {
    config: { permission: 'fulfillment:read' },
    schema: {
      tags,
      summary: 'List shipments, by order, fulfilment order or tracking number',
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        cursor: Type.Optional(Type.String({ maxLength: 500 })),
        orderId: Type.Optional(Id), fulfillmentOrderId: Type.Optional(Id),
        trackingNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      }, { additionalProperties: false }),
      response: { 200: Page(Shipment) },
    },
  }, async (request) => {
    const { limit = 50, cursor, ...filter } = request.query;
    const after = decodeCursor(cursor, ['uuid']);
    const rows = await listShipments(db, { ...filter, afterId: after?.[0], limit: limit + 1 });
    return page(request, rows, limit, (last) => [last.id]);
  });

  app.get('/shipments/:id', {
    config: { permission: 'fulfillment:read' },
    schema: { tags, summary: 'Get a shipment with its tracking events', params: IdParams, response: { 200: ShipmentWithEvents } },
  }, async (request) => loadShipment(db, request.params.id));

  app.post('/shipments/:id/events', {
    config: { permission: 'fulfillment:write' },
    schema: {
      tags,
      summary: 'Record a tracking event from a carrier or a WMS webhook (idempotent by its eventId)',
      description: 'in_transit, out_for_delivery, delivered, exception, returned_to_sender. 201 when recorded, 200 when the same eventId was recorded before (nothing changes). Out of order (dated before the parcel shipped, or after it was delivered) is a 409 `tracking_out_of_order`. The order is delivered once every parcel is; an exception holds the order while it is still in the warehouse.',
      params: IdParams, body: TrackingEventRequest,
      response: { 201: ShipmentWithEvents, 200: ShipmentWithEvents, 404: problemResponse('No such shipment (`not_found`)') },
    },
  }, (request, reply) => run(request, reply, (trx, ctx) => recordTrackingEvent(trx, request.params.id, request.body, ctx)));
}
