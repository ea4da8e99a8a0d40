/** The customer module's front door: customers, B2B accounts, the block list. */
export { registerCustomerRoutes } from './customer.routes.js';
export { Customer, normaliseEmail, normalisePhone, phoneSearchKey } from './customer.js';
/** For data import (src/transfer/): customers written through the same use cases as the API. */
export { CustomerInput } from './customer.js';
export { createCustomer, changeCustomer } from './save-customer.js';
export { findByContact as findCustomerByContact, toCustomer } from './customer.repository.js';
