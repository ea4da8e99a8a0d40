import { v7 as uuidv7, validate, version } from 'uuid';

/**
 * Ids are UUIDv7, made in the application so that a use case knows its ids before it writes (one statement can then
 * insert a row and its children) and time-ordered so that primary-key indexes stay compact.
 */
export const newId = (): string => uuidv7();

export const isUuid = (value: string): boolean => validate(value) && version(value) >= 1;
