/** Time comes in as a value so that decisions stay pure and tests can pin it. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
