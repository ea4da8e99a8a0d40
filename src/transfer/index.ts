/**
 * The transfer module's front door: import and export of SKUs, locations, stock, customers and orders as CSV or
 * XLSX (historical orders as closed orders), and backup and restore of the whole database. See docs/data.md.
 */
export { registerTransferRoutes } from './transfer.routes.js';
export { importTable, type ImportOptions, type ImportReport } from './import-table.js';
export { exportTable } from './export-table.js';
export { tables } from './tables.js';
export { entityNames, type EntityName, type RowProblem } from './table-entity.js';
export { tableFormats, type TableFormat } from './read-table.js';
export { backupDatabase, restoreDatabase, BackupError, type BackupSummary, type RestoreSummary } from './backup.js';
