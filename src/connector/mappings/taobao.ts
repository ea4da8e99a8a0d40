/**
 * Taobao / Tmall: a trade as `taobao.trade.fullinfo.get` returns it (the `trade` object, or the whole response).
 * Prices include VAT, so no tax is mapped. `payment` on a sub-order is what the buyer paid for it (price × num −
 * discount_fee); the trade's `payment` is what the buyer paid in all, post_fee included: that is the total Ordo checks.
 * Trade ids pass 2^53 (JSON numbers lose digits there), so `tid_str` is preferred to `tid` when the API sends it.
 */
import { Type } from 'typebox';
import type { MappingDefinition } from '../mapping.js';

const Money = Type.String({ pattern: '^-?[0-9]+(\\.[0-9]+)?$' });

export const taobao: MappingDefinition = {
  name: 'taobao',
  description: 'Taobao/Tmall trade (taobao.trade.fullinfo.get)',
  root: ['trade_fullinfo_get_response', 'trade'],
  source: Type.Object({
    tid: Type.Optional(Type.Union([Type.Integer(), Type.String({ minLength: 1 })])),
    tid_str: Type.Optional(Type.String({ minLength: 1 })),
    status: Type.String(),
    receiver_name: Type.String({ minLength: 1 }),
    receiver_state: Type.String(),
    receiver_city: Type.String({ minLength: 1 }),
    receiver_district: Type.Optional(Type.String()),
    receiver_address: Type.String({ minLength: 1 }),
    receiver_mobile: Type.String({ minLength: 1 }),
    receiver_zip: Type.Optional(Type.String()),
    payment: Money,
    post_fee: Money,
    created: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$' })),
    orders: Type.Object({
      order: Type.Array(Type.Object({
        outer_sku_id: Type.String({ minLength: 1 }),
        num: Type.Integer({ minimum: 1 }),
        price: Money,
        payment: Money,
        discount_fee: Type.Optional(Money),
      }), { minItems: 1 }),
    }),
  }, { anyOf: [{ required: ['tid'] }, { required: ['tid_str'] }] }),
  expression: `{
    "externalRef": tid_str ? tid_str : $string(tid),
    "placedAt": created ? $replace(created, " ", "T") & "+08:00",
    "cancelled": status in ["TRADE_CLOSED", "TRADE_CLOSED_BY_TAOBAO"],
    "currency": "CNY",
    "customer": { "name": receiver_name, "phone": receiver_mobile },
    "shippingAddress": {
      "name": receiver_name,
      "line1": $join([receiver_district, receiver_address][$ != ""], " "),
      "city": receiver_city,
      "state": receiver_state,
      "postalCode": receiver_zip ? receiver_zip : "",
      "country": "CN",
      "phone": receiver_mobile
    },
    "lines": [orders.order.{
      "sku": outer_sku_id,
      "quantity": num,
      "unitPrice": price,
      "discount": discount_fee ? discount_fee : "0"
    }],
    "shipping": post_fee,
    "total": payment,
    "payment": { "method": "alipay", "authorized": payment },
    "buyerRemark": buyer_message
  }`,
};
