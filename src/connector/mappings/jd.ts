/**
 * JD (Jingdong POP): an order as `jingdong.pop.order.get` returns it (`orderInfo`, or the whole response). Amounts are
 * yuan strings; `orderPayment` (what the buyer pays: goods − seller discount + freight) is the total Ordo checks.
 */
import { Type } from 'typebox';
import type { MappingDefinition } from '../mapping.js';

const Money = Type.String({ pattern: '^-?[0-9]+(\\.[0-9]+)?$' });

export const jd: MappingDefinition = {
  name: 'jd',
  description: 'JD POP order (jingdong.pop.order.get orderInfo)',
  root: ['jingdong_pop_order_get_responce', 'orderDetailInfo', 'orderInfo'],
  source: Type.Object({
    orderId: Type.Union([Type.String({ minLength: 1 }), Type.Integer()]),
    orderState: Type.String(),
    orderStartTime: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$' })),
    orderPayment: Money,
    freightPrice: Money,
    sellerDiscount: Type.Optional(Money),
    consigneeInfo: Type.Object({
      fullname: Type.String({ minLength: 1 }),
      mobile: Type.String({ minLength: 1 }),
      province: Type.String(),
      city: Type.String({ minLength: 1 }),
      county: Type.Optional(Type.String()),
      fullAddress: Type.String({ minLength: 1 }),
    }),
    itemInfoList: Type.Array(Type.Object({
      outerSkuId: Type.String({ minLength: 1 }),
      itemTotal: Type.Union([Type.String({ pattern: '^[1-9][0-9]*$' }), Type.Integer({ minimum: 1 })]),
      jdPrice: Money,
    }), { minItems: 1 }),
  }),
  expression: `{
    "externalRef": $string(orderId),
    "placedAt": orderStartTime ? $replace(orderStartTime, " ", "T") & "+08:00",
    "cancelled": orderState in ["TRADE_CANCELED", "LOCKED_CANCELED"],
    "currency": "CNY",
    "customer": { "name": consigneeInfo.fullname, "phone": consigneeInfo.mobile },
    "shippingAddress": {
      "name": consigneeInfo.fullname,
      "line1": consigneeInfo.fullAddress,
      "city": consigneeInfo.city,
      "state": consigneeInfo.province,
      "postalCode": "",
      "country": "CN",
      "phone": consigneeInfo.mobile
    },
    "lines": [itemInfoList.{ "sku": outerSkuId, "quantity": $number(itemTotal), "unitPrice": jdPrice }],
    "orderDiscount": sellerDiscount ? sellerDiscount : "0",
    "shipping": freightPrice,
    "total": orderPayment,
    "payment": { "method": "jd_pay", "authorized": orderPayment },
    "buyerRemark": orderRemark
  }`,
};
