/**
 * The composition root: builds the HTTP app from explicit dependencies. Each module is registered with exactly what
 * it needs; nothing is looked up from a container.
 */
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { App } from './http/app.js';
import type { IncomingMessage } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type pg from 'pg';
import { registerAccessRoutes } from './access/index.js';
import { registerSessionRoutes } from './access/index.js';
import { registerBundleRoutes } from './catalog/index.js';
import { registerCatalogRoutes } from './catalog/index.js';
import { registerChannelRoutes } from './channel/index.js';
import { registerConnectorRoutes } from './connector/index.js';
import { registerCustomerRoutes } from './customer/index.js';
import { defaultFulfillmentSettings, fulfillmentHooks, registerCarrierRoutes, registerFulfillmentRoutes } from './fulfillment/index.js';
import { registerInventoryRoutes } from './inventory/index.js';
import { registerEventStreamRoutes, registerWebhookRoutes } from './integration/index.js';
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import { registerAdminUi } from './http/admin-ui.js';
import { authenticate } from './http/auth.js';
import { commandRunner } from './http/command.js';
import { registerHealthRoutes } from './http/health.routes.js';
import { registerMetrics } from './http/metrics.js';
import { documentRoute, registerOpenApi } from './http/openapi.js';
import { clientErrorHandler, errorHandler, frameworkErrorHandler, notFoundHandler } from './http/problem.js';
import { refuseBadTextInUrl, registerJsonParser, validatorCompiler } from './http/validation.js';
import { registerLocationRoutes } from './location/index.js';
import { meteredCapture, ordersOfLines, registerOrderModule, registerTrackRoutes, type CaptureBatched } from './order/index.js';
import { registerNotificationRoutes } from './notification/index.js';
import { registerSourcingRoutes } from './sourcing/index.js';
import { registerPaymentRoutes, totalInBaseCurrency } from './payment/index.js';
import { registerCustomerReturnRoutes, registerReturnRoutes, returnRefundSettled } from './returns/index.js';
import { registerTransferRoutes } from './transfer/index.js';
import { newId } from './shared/ids.js';

export type { App } from './http/app.js';

export interface AppDeps {
  db: Db;
  pool: pg.Pool;
  /** Connections for batched hot-path writes (DatabaseHandle.batchDb), and their pool (for metrics). */
  batchDb: Db;
  batchPool: pg.Pool;
  config: Pick<Config, 'bodyLimitBytes' | 'apiKeyCacheMs' | 'syncHoldUnits' | 'syncHoldPercent' | 'webhookAllowPrivateAddresses' | 'eventStreamMaxMs'>
    & Partial<Pick<Config, 'pickupExpiryDays' | 'orderCompleteAfterDays' | 'connectorSecretKey'>>;
  logger: FastifyBaseLogger | false;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The API, and the capture pipeline its routes share, for the server's jobs to share too (pulled orders). */
export type BuiltApp = App & { captureBatched: CaptureBatched };

export async function buildApp(deps: AppDeps): Promise<BuiltApp> {
  const app = Fastify({
    loggerInstance: deps.logger === false ? undefined : deps.logger,
    logger: deps.logger === false ? false : undefined,
    bodyLimit: deps.config.bodyLimitBytes,
    // A caller's request id is kept when it is sane, so logs join up across systems; otherwise Ordo makes one.
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newId();
    },
    return503OnClosing: true,
    // One access-log line per request (the onResponse hook below), not Fastify's two: at capture speed the second
    // line was a measurable share of the server's CPU.
    logController: new Fastify.LogController({ disableRequestLogging: true }),
    // What Fastify and Node's HTTP parser refuse before a route runs also leaves as problem+json with an Ordo code.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  } as never).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  app.setValidatorCompiler(validatorCompiler());
  // The API speaks JSON only: a text body is a 415, not a string that fails validation later.
  app.removeContentTypeParser('text/plain');
  registerJsonParser(app);
  app.addHook('preValidation', refuseBadTextInUrl);

  app.addHook('onRoute', documentRoute);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
    done();
  });
  // Cookies (the admin UI's session) are parsed before authentication, which accepts them.
  await app.register(fastifyCookie);
  app.addHook('onRequest', authenticate(deps.db, { cacheMs: deps.config.apiKeyCacheMs }));
  // A POST with no body (curl -X POST …/release) means "no options": validate it as an empty object.
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.body === undefined && request.routeOptions.schema?.body) request.body = {};
    done();
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);

  await registerOpenApi(app);
  const metrics = registerMetrics(app, { requests: deps.pool, batch: deps.batchPool });
  registerHealthRoutes(app, deps.db, metrics);
  const captureBatched = meteredCapture(deps.batchDb, app.log, metrics);
  registerTrackRoutes(app, deps.db);
  await registerAdminUi(app);

  const run = commandRunner(deps.db);
  registerCustomerReturnRoutes(app, { db: deps.db, run });
  await app.register(
    (v1, _opts, done) => {
      registerAccessRoutes(v1, { db: deps.db, run });
      registerSessionRoutes(v1, { db: deps.db, run });
      registerCatalogRoutes(v1, { db: deps.db, run });
      registerBundleRoutes(v1, { db: deps.db, run });
      registerLocationRoutes(v1, { db: deps.db, run });
      registerChannelRoutes(v1, { db: deps.db, run });
      registerCustomerRoutes(v1, { db: deps.db, run });
      // The availability explanation names the orders holding reservations; inventory knows them only by this function.
      registerInventoryRoutes(v1, { db: deps.db, batchDb: deps.batchDb, pool: deps.pool, run, config: deps.config, holders: (ids) => ordersOfLines(deps.db, ids) });
      registerCarrierRoutes(v1, { db: deps.db, run });
      // The order module knows fulfilment only by this hook: cancels, recalls and hold decisions reach the fulfilment orders.
      // The dashboard's revenue in the base currency reads the payment module's exchange rates through this function.
      registerOrderModule(v1, {
        db: deps.db, run, captureBatched, hooks: fulfillmentHooks,
        revenueInBase: (amounts, day) => totalInBaseCurrency(deps.db, amounts, day),
      });
      registerFulfillmentRoutes(v1, { db: deps.db, run, settings: {
        pickupExpiryDays: deps.config.pickupExpiryDays ?? defaultFulfillmentSettings.pickupExpiryDays,
        completeAfterDays: deps.config.orderCompleteAfterDays ?? defaultFulfillmentSettings.completeAfterDays,
      } });
      // A refund that pays back a return moves the return on; the payment module knows returns only by this hook.
      const hooks = { refundSettled: returnRefundSettled };
      registerPaymentRoutes(v1, { db: deps.db, run, hooks });
      registerReturnRoutes(v1, { db: deps.db, run, hooks });
      registerWebhookRoutes(v1, { db: deps.db, run, settings: { allowPrivateAddresses: deps.config.webhookAllowPrivateAddresses } });
      registerEventStreamRoutes(v1, { db: deps.db, maxMs: deps.config.eventStreamMaxMs });
      registerNotificationRoutes(v1, { db: deps.db });
      registerConnectorRoutes(v1, { db: deps.db, captureBatched, run, secretKey: deps.config.connectorSecretKey ?? null });
      registerTransferRoutes(v1, { db: deps.db });
      registerSourcingRoutes(v1, { db: deps.db, run });
      done();
    },
    { prefix: '/v1' },
  );
  await app.ready();
  return Object.assign(app, { captureBatched });
}
