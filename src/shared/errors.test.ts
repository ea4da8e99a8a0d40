import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';

describe('AppError', () => {
  it('captures no stack trace for a client\'s mistake, a full one for a server error, and leaves the limit as it was', () => {
    const limit = Error.stackTraceLimit;
    const client = new AppError('insufficient_stock', 'sold out');
    expect(client.stack).not.toContain('\n    at ');
    expect(client.message).toBe('sold out');
    const server = new AppError('internal_error', 'broken');
    expect(server.stack).toContain('\n    at ');
    expect(Error.stackTraceLimit).toBe(limit);
  });
});
