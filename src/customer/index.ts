/** The customer module's front door: customers, B2B accounts, the block list. */
export { registerCustomerRoutes } from './customer.routes.js';
export { Customer, normaliseEmail, normalisePhone, phoneSearchKey } from './customer.js';
