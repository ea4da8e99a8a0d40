/**
 * A customer as a caller's role may see it: the one place the customer routes mask personal data. Today only roles
 * with customer:read reach those routes (they see everything); the function keeps the rule in one place should a
 * role ever read customers without it. What each level sees is decided in src/access/personal-data.ts.
 */
import { treatment, type PersonalDataLevel } from '../access/index.js';
import { maskEmail, maskName, maskPhone, maskTail } from '../shared/mask.js';
import type { Customer } from './customer.js';

export function redactCustomer(customer: Customer, level: PersonalDataLevel): Customer {
  if (treatment('customer', level) === 'shown') return customer;
  return {
    ...customer,
    name: maskName(customer.name),
    email: customer.email === null ? null : maskEmail(customer.email),
    phone: customer.phone === null ? null : maskPhone(customer.phone),
    company: customer.company === null ? null : maskName(customer.company),
    vatId: customer.vatId === null ? null : maskTail(customer.vatId),
    // Why someone is on the block list is free text about them: it cannot be masked, so it is hidden.
    blockedReason: null,
  };
}
