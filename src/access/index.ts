/** The access module's front door: API keys, users and their sessions, roles and permissions, the audit log. */
export { registerAccessRoutes } from './access.routes.js';
export { hashApiKey, type Principal } from './api-key.js';
export { findActiveKeyByHash } from './api-key.repository.js';
export { writeAudit } from './audit.repository.js';
export { bootstrapAdminKey, createApiKey } from './create-api-key.js';
export { isRole, roleHas, rolePermissions, roles, permissions, type Permission, type Role } from './permissions.js';
export {
  personalDataLevel, personalDataLevels, personalDataOf, personalParts, treatment,
  type PersonalDataLevel, type PersonalPart, type Treatment,
} from './personal-data.js';
export { renderPermissionTables, withPermissionTables } from './permissions-doc.js';
export { registerSessionRoutes } from './session.routes.js';
export { createUser } from './create-user.js';
export { csrfMatches, findUserSession, isSafeMethod, type UserSession } from './session.js';
export { CSRF_HEADER, SESSION_COOKIE } from './user.js';
