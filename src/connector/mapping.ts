/**
 * Marketplaces through a declarative mapping: a JSONata expression (https://jsonata.org, the `jsonata` package)
 * turns a channel's order payload into a `MappedOrder`, which `toCapture` makes an Ordo capture request. Ordo ships
 * mappings for Taobao/Tmall, JD and Pinduoduo; a connector may instead carry its own expression (`custom`).
 *
 * A shipped mapping also says what it reads (`source`, a schema): a payload without a field it needs is refused
 * naming that field in the payload (`/payload/orders/order/0/price`), not as an error deep in the expression.
 */
import jsonata from 'jsonata';
import type { TSchema } from 'typebox';
import { AppError } from '../shared/errors.js';
import { requireShape, toCapture, type ToCapture } from './mapped-order.js';
import { jd } from './mappings/jd.js';
import { pinduoduo } from './mappings/pinduoduo.js';
import { taobao } from './mappings/taobao.js';

export interface MappingDefinition {
  name: string;
  description: string;
  /** Where the order sits in the API's whole response; a payload that has this path is unwrapped first. */
  root?: string[];
  /** The fields the expression reads, checked before it runs. */
  source?: TSchema;
  expression: string;
}

export const builtInMappings = { taobao, jd, pinduoduo } as const satisfies Record<string, MappingDefinition>;
export type BuiltInMapping = keyof typeof builtInMappings;
export const builtInMappingNames = Object.keys(builtInMappings) as BuiltInMapping[];

type Compiled = ReturnType<typeof jsonata>;
const compiledCache = new Map<string, Compiled>();

/** Compiles an expression once (a connector's mapping is used for every order it brings); a 400 naming where it fails. */
export function compileMapping(expression: string, path = '/body/settings/expression'): Compiled {
  let compiled = compiledCache.get(expression);
  if (!compiled) {
    try {
      compiled = jsonata(expression);
    } catch (e) {
      const err = e as { message?: string; position?: number };
      throw new AppError('validation_failed', `the mapping does not compile: ${err.message ?? String(e)} (at character ${err.position ?? '?'})`, {
        errors: [{ path, message: `${err.message ?? 'does not compile'} at character ${err.position ?? '?'}` }],
      });
    }
    if (compiledCache.size > 1_000) compiledCache.clear();
    compiledCache.set(expression, compiled);
  }
  return compiled;
}

function unwrap(payload: unknown, root: readonly string[] | undefined): unknown {
  if (!root || root.length === 0 || typeof payload !== 'object' || payload === null) return payload;
  let at: unknown = payload;
  for (const key of root) {
    if (typeof at !== 'object' || at === null || !(key in at)) return payload;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

export interface MappingChoice {
  mapping: BuiltInMapping | 'custom';
  expression?: string | undefined;
}

/** Maps one payload with a connector's mapping: a capture request for `channel`, or a 400 naming the field at fault. */
export async function mapPayload(choice: MappingChoice, payload: unknown, channel: { code: string; currency: string }): Promise<ToCapture> {
  const definition: MappingDefinition | undefined = choice.mapping === 'custom'
    ? (choice.expression ? { name: 'custom', description: 'custom', expression: choice.expression } : undefined)
    : builtInMappings[choice.mapping];
  if (!definition) throw new AppError('validation_failed', 'the connector has no mapping expression', { errors: [{ path: '/settings/expression', message: 'is missing' }] });
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new AppError('validation_failed', 'the payload must be a JSON object (one order)', { errors: [{ path: '/payload', message: 'must be an object' }] });
  }
  const order = unwrap(payload, definition.root);
  if (definition.source) requireShape(definition.source, order, '/payload', `the ${definition.name} mapping cannot read this payload`);
  let mapped: unknown;
  try {
    mapped = await compileMapping(definition.expression).evaluate(order);
  } catch (e) {
    const err = e as { message?: string; token?: string };
    throw new AppError('validation_failed', `the ${definition.name} mapping failed on this payload: ${err.message ?? String(e)}`, {
      errors: [{ path: err.token ? `/payload/${err.token}` : '/payload', message: err.message ?? 'cannot be mapped' }],
    });
  }
  return toCapture(mapped, channel);
}
