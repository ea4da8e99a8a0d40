import type { Trx } from '../db/database.js';
import { AppError, invalidField } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Role } from './permissions.js';
import { hashPassword, MIN_PASSWORD_LENGTH, normalizeEmail } from './user.js';
import { insertUser, type UserRow } from './user.repository.js';

/** Makes a user who can sign in to the admin UI. The password is hashed here and never stored nor returned. */
export async function createUser(trx: Trx, input: { email: string; name: string; role: Role; password: string }): Promise<UserRow> {
  const email = normalizeEmail(input.email);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw invalidField('/body/email', 'must be an e-mail address like ops@example.com');
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw invalidField('/body/password', `must be at least ${MIN_PASSWORD_LENGTH} characters long`);
  }
  const row = await insertUser(trx, { id: newId(), email, name: input.name.trim(), role: input.role, passwordHash: await hashPassword(input.password) });
  if (!row) throw new AppError('already_exists', `a user with the e-mail ${email} exists already`, { email });
  return row;
}
