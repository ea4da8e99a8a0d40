/**
 * The notifications module's front door: e-mails to customers and teams, sent by a sink of the outbox relay
 * (notify.ts), their templates in English and Simplified Chinese (templates.ts) and the log (GET /v1/notifications).
 */
export { notificationSink, type NotificationSettings } from './notify.js';
export { smtpMailer, type Mailer } from './mailer.js';
export { notifiedEventTypes, languages, isLanguage, type Language } from './templates.js';
export { registerNotificationRoutes } from './notification.routes.js';
export { notificationChecks } from './check.js';
