/**
 * What text search finds an order by (orders.search_text, a trigram index): its customer's name, e-mail, phone and
 * company, the shipping name and address, and the channel's order number — lower-cased. Built here only, for
 * capture, edits and the order seeder alike.
 */
export interface SearchTextFacts {
  customer: { name?: string | null; email?: string | null; phone?: string | null; company?: string | null };
  shippingAddress?: { name?: string | null; line1?: string | null; city?: string | null; postalCode?: string | null } | null;
  externalRef: string;
}

export const orderSearchText = ({ customer, shippingAddress: a, externalRef }: SearchTextFacts): string =>
  [customer.name, customer.email, customer.phone, customer.company, a?.name, a?.line1, a?.city, a?.postalCode, externalRef]
    .filter(Boolean).join(' ').toLowerCase();
