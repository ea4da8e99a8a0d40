/** The tables Ordo imports and exports, by name. */
import { customerTable } from './customer-table.js';
import { locationTable } from './location-table.js';
import { orderTable } from './order-table.js';
import { skuTable } from './sku-table.js';
import { stockTable } from './stock-table.js';
import type { EntityName, TableEntity } from './table-entity.js';

export const tables: Record<EntityName, TableEntity<never, never>> = {
  skus: skuTable as unknown as TableEntity<never, never>,
  locations: locationTable as unknown as TableEntity<never, never>,
  stock: stockTable as unknown as TableEntity<never, never>,
  customers: customerTable as unknown as TableEntity<never, never>,
  orders: orderTable as unknown as TableEntity<never, never>,
};
