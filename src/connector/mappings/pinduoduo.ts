/**
 * Pinduoduo: an order as `pdd.order.information.get` returns it (`order_info`, or the whole response). PDD sends
 * amounts as JSON numbers in yuan (59.9): `$string` gives their shortest decimal text, which Ordo reads exactly.
 * `pay_amount` (goods + postage − discounts) is the total Ordo checks.
 */
import { Type } from 'typebox';
import type { MappingDefinition } from '../mapping.js';

const Money = Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$' })]);

export const pinduoduo: MappingDefinition = {
  name: 'pinduoduo',
  description: 'Pinduoduo order (pdd.order.information.get order_info)',
  root: ['order_info_get_response', 'order_info'],
  source: Type.Object({
    order_sn: Type.String({ minLength: 1 }),
    order_status: Type.Integer(),
    refund_status: Type.Optional(Type.Integer()),
    created_time: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$' })),
    receiver_name: Type.String({ minLength: 1 }),
    receiver_phone: Type.String({ minLength: 1 }),
    province: Type.String(),
    city: Type.String({ minLength: 1 }),
    town: Type.Optional(Type.String()),
    address: Type.String({ minLength: 1 }),
    pay_amount: Money,
    postage: Money,
    discount_amount: Type.Optional(Money),
    item_list: Type.Array(Type.Object({
      outer_id: Type.String({ minLength: 1 }),
      goods_count: Type.Integer({ minimum: 1 }),
      goods_price: Money,
    }), { minItems: 1 }),
  }),
  expression: `{
    "externalRef": order_sn,
    "placedAt": created_time ? $replace(created_time, " ", "T") & "+08:00",
    "cancelled": refund_status = 4,
    "currency": "CNY",
    "customer": { "name": receiver_name, "phone": receiver_phone },
    "shippingAddress": {
      "name": receiver_name,
      "line1": $join([town, address][$ != ""], " "),
      "city": city,
      "state": province,
      "postalCode": "",
      "country": "CN",
      "phone": receiver_phone
    },
    "lines": [item_list.{ "sku": outer_id, "quantity": goods_count, "unitPrice": $string(goods_price) }],
    "orderDiscount": discount_amount ? $string(discount_amount) : "0",
    "shipping": $string(postage),
    "total": $string(pay_amount),
    "payment": { "method": "pdd_pay", "authorized": $string(pay_amount) },
    "buyerRemark": buyer_memo
  }`,
};
