import { describe, expect, it } from 'vitest';
import { readEnd } from './event-stream.repository.js';

const row = (id: number, aggregate: string, blocked = false) => ({ id, aggregate_type: 'order', aggregate_id: aggregate, blocked });

describe('the live stream read ends where no aggregate would go out of id order', () => {
  it('sends everything when nothing is blocked', () => {
    expect(readEnd([row(5, 'a'), row(3, 'a'), row(7, 'b')])).toBe(3);
  });

  it('ends at the first blocked event', () => {
    expect(readEnd([row(5, 'a'), row(6, 'b', true), row(7, 'c')])).toBe(1);
  });

  it('ends before an event whose aggregate has an earlier event among the rows the first blocked one cut off', () => {
    // a's id 46 comes before its id 44 in the relay's order; b is blocked between them: 46 must not go alone.
    expect(readEnd([row(10, 'c'), row(46, 'a'), row(50, 'b', true), row(44, 'a')])).toBe(1);
  });

  it('moves the end back again when the rows it newly cuts off hold an earlier event of a row before them', () => {
    // The first pass cuts at d's 30 (its 29 lies after the blocked row); that cuts off c's 20, earlier than c's 21.
    expect(readEnd([row(21, 'c'), row(30, 'd'), row(20, 'c'), row(40, 'b', true), row(29, 'd')])).toBe(0);
  });
});
