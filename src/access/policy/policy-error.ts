/** A policy text that is not valid; the message names the offending element. */
export class PolicyError extends Error {
  override name = 'PolicyError';
}
