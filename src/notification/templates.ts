/**
 * What each notification says, per event type, in English and Simplified Chinese. A template picks its audience
 * (the order's customer, or a team address from the settings) and renders a subject and a plain-text body from the
 * event and the order it concerns. Only the events listed here are sent to the notifications sink.
 */
export const languages = ['en', 'zh-CN'] as const;
export type Language = (typeof languages)[number];
export const isLanguage = (value: unknown): value is Language => (languages as readonly unknown[]).includes(value);

/** What a template may use: the event's payload, and the order (when the event is an order's). */
export interface TemplateContext {
  data: Record<string, unknown>;
  order: { number: string; customerName: string; trackingUrl: string; totalMinor: number; currency: string } | null;
}

export interface Rendered { subject: string; text: string }

export interface Template {
  /** Stored in the log; with the event id, what a notification is de-duplicated by. */
  name: string;
  audience: 'customer' | 'team';
  /** For a team notification: which setting names its address. */
  team?: 'teamEmail' | 'purchasingEmail';
  render: Record<Language, (c: TemplateContext) => Rendered>;
}

const money = (minor: unknown, currency: unknown) => `${(Number(minor) / 100).toFixed(2)} ${String(currency)}`;
const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
const day = (v: unknown) => str(v).slice(0, 10);
// An order template is rendered only with its order (notify.ts loads it); `o` says so to the type checker.
const o = (c: TemplateContext) => c.order ?? { number: '?', customerName: '', trackingUrl: '', totalMinor: 0, currency: '' };

export const templates: Record<string, Template> = {
  'order.confirmed': {
    name: 'order_confirmed', audience: 'customer',
    render: {
      en: (c) => ({
        subject: `Your order ${o(c).number} is confirmed`,
        text: `Hello ${o(c).customerName},\n\nthank you: your order ${o(c).number} (${money(o(c).totalMinor, o(c).currency)}) is confirmed and being prepared.\n\nFollow it here: ${o(c).trackingUrl}\n`,
      }),
      'zh-CN': (c) => ({
        subject: `您的订单 ${o(c).number} 已确认`,
        text: `${o(c).customerName}，您好：\n\n感谢您的购买！您的订单 ${o(c).number}（${money(o(c).totalMinor, o(c).currency)}）已确认，正在备货。\n\n查看订单进度：${o(c).trackingUrl}\n`,
      }),
    },
  },
  'order.shipment_created': {
    name: 'order_shipped', audience: 'customer',
    render: {
      en: (c) => ({
        subject: `Your order ${o(c).number} has shipped`,
        text: `Hello ${o(c).customerName},\n\na parcel of your order ${o(c).number} is on its way${c.data.carrier ? ` with ${str(c.data.carrier)}` : ''}${c.data.trackingNumber ? `, tracking number ${str(c.data.trackingNumber)}` : ''}.\n\nTrack it here: ${o(c).trackingUrl}\n`,
      }),
      'zh-CN': (c) => ({
        subject: `您的订单 ${o(c).number} 已发货`,
        text: `${o(c).customerName}，您好：\n\n您的订单 ${o(c).number} 的包裹已发出${c.data.carrier ? `（承运商：${str(c.data.carrier)}` : ''}${c.data.carrier && c.data.trackingNumber ? `，运单号：${str(c.data.trackingNumber)}）` : c.data.carrier ? '）' : c.data.trackingNumber ? `（运单号：${str(c.data.trackingNumber)}）` : ''}。\n\n物流跟踪：${o(c).trackingUrl}\n`,
      }),
    },
  },
  'order.delivered': {
    name: 'order_delivered', audience: 'customer',
    render: {
      en: (c) => ({
        subject: `Your order ${o(c).number} was delivered`,
        text: `Hello ${o(c).customerName},\n\nyour order ${o(c).number} was delivered. If anything is wrong, you can ask for a return here: ${o(c).trackingUrl}\n`,
      }),
      'zh-CN': (c) => ({
        subject: `您的订单 ${o(c).number} 已送达`,
        text: `${o(c).customerName}，您好：\n\n您的订单 ${o(c).number} 已送达。如有问题，可在此申请退货：${o(c).trackingUrl}\n`,
      }),
    },
  },
  'order.return_approved': {
    name: 'return_approved', audience: 'customer',
    render: {
      en: (c) => ({
        subject: `Your return ${str(c.data.number)} is approved`,
        text: `Hello ${o(c).customerName},\n\nyour return ${str(c.data.number)} for order ${o(c).number} is approved: please send the items back. Details: ${o(c).trackingUrl}\n`,
      }),
      'zh-CN': (c) => ({
        subject: `您的退货 ${str(c.data.number)} 已批准`,
        text: `${o(c).customerName}，您好：\n\n您订单 ${o(c).number} 的退货申请 ${str(c.data.number)} 已批准，请将商品寄回。详情：${o(c).trackingUrl}\n`,
      }),
    },
  },
  'order.payment_refund': {
    name: 'refund_issued', audience: 'customer',
    render: {
      en: (c) => ({
        subject: `A refund for your order ${o(c).number}`,
        text: `Hello ${o(c).customerName},\n\nwe refunded ${money(c.data.amountMinor, c.data.currency)} for your order ${o(c).number}. It may take a few days to reach your account.\n`,
      }),
      'zh-CN': (c) => ({
        subject: `您的订单 ${o(c).number} 已退款`,
        text: `${o(c).customerName}，您好：\n\n我们已为您的订单 ${o(c).number} 退款 ${money(c.data.amountMinor, c.data.currency)}，到账可能需要几天时间。\n`,
      }),
    },
  },
  'order.held': {
    name: 'order_held', audience: 'team', team: 'teamEmail',
    render: {
      en: (c) => ({ subject: `Order ${o(c).number} is on hold`, text: `Order ${o(c).number} waits for review (the review queue in the admin UI).\n` }),
      'zh-CN': (c) => ({ subject: `订单 ${o(c).number} 已暂停待审核`, text: `订单 ${o(c).number} 等待审核（见管理界面的审核队列）。\n` }),
    },
  },
  'inventory.low_stock': {
    name: 'low_stock', audience: 'team', team: 'purchasingEmail',
    render: {
      en: (c) => ({
        subject: 'Low stock alert',
        text: `Free stock fell to ${str(c.data.available)}, below the reorder point ${str(c.data.reorderPoint)} (SKU ${str(c.data.skuId)}, location ${str(c.data.locationId)}, alert ${str(c.data.alertId)}).\n`,
      }),
      'zh-CN': (c) => ({
        subject: '库存不足提醒',
        text: `可用库存降至 ${str(c.data.available)}，低于再订货点 ${str(c.data.reorderPoint)}（SKU ${str(c.data.skuId)}，仓库 ${str(c.data.locationId)}，提醒 ${str(c.data.alertId)}）。\n`,
      }),
    },
  },
  'fulfillment.ready_for_pickup': {
    name: 'ready_for_pickup', audience: 'customer',
    render: {
      en: (c) => ({
        subject: `Your order ${o(c).number} is ready for pickup`,
        text: `Hello ${o(c).customerName},\n\nyour order ${o(c).number} is ready for pickup at ${str(c.data.location)}.\n\nYour pickup code: ${str(c.data.pickupCode)}\nShow it at the counter; please collect the order by ${day(c.data.collectBy)}, after that it is cancelled.\n\nDetails: ${o(c).trackingUrl}\n`,
      }),
      'zh-CN': (c) => ({
        subject: `您的订单 ${o(c).number} 已可自提`,
        text: `${o(c).customerName}，您好：\n\n您的订单 ${o(c).number} 已到达 ${str(c.data.location)}，可以自提。\n\n取件码：${str(c.data.pickupCode)}\n请在柜台出示取件码，并于 ${day(c.data.collectBy)} 前取件，逾期订单将被取消。\n\n订单详情：${o(c).trackingUrl}\n`,
      }),
    },
  },
  'shipment.exception': {
    name: 'carrier_exception', audience: 'team', team: 'teamEmail',
    render: {
      en: (c) => ({
        subject: `Carrier exception on order ${o(c).number}`,
        text: `The carrier reports a problem with a parcel of order ${o(c).number}: ${str(c.data.carrier) || 'no carrier'} ${str(c.data.trackingNumber)}.\n${str(c.data.description) || 'No description.'}${c.data.location ? ` (at ${str(c.data.location)})` : ''}\n\nThe order is held while parts of it are still in the warehouse; decide in the review queue of the admin UI.\n`,
      }),
      'zh-CN': (c) => ({
        subject: `订单 ${o(c).number} 物流异常`,
        text: `承运商报告订单 ${o(c).number} 的包裹出现异常：${str(c.data.carrier) || '无承运商'} ${str(c.data.trackingNumber)}。\n${str(c.data.description) || '无说明。'}${c.data.location ? `（位置：${str(c.data.location)}）` : ''}\n\n订单仍有部分在仓库时已被暂停，请在管理界面的审核队列中处理。\n`,
      }),
    },
  },
  'integration.webhook_disabled': {
    name: 'webhook_disabled', audience: 'team', team: 'teamEmail',
    render: {
      en: (c) => ({ subject: 'A webhook endpoint was disabled', text: `The webhook endpoint ${str(c.data.url)} was disabled: ${str(c.data.reason)}\nRe-enable it once it answers again.\n` }),
      'zh-CN': (c) => ({ subject: 'Webhook 端点已停用', text: `Webhook 端点 ${str(c.data.url)} 已停用：${str(c.data.reason)}\n恢复正常后请重新启用。\n` }),
    },
  },
};

/** The event types the notifications sink subscribes to. */
export const notifiedEventTypes = Object.keys(templates).sort();
