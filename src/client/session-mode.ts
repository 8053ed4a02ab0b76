/**
 * The two kinds of S3 Express sessions ("CreateSession",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateSession.html).
 */
export type SessionMode = 'ReadWrite' | 'ReadOnly';

/**
 * The mode to ask CreateSession for. `'ServerDefault'` omits the `x-amz-create-session-mode`
 * header: the server then grants ReadWrite if the policies allow it, else ReadOnly.
 */
export type SessionModeChoice = SessionMode | 'ServerDefault';

/**
 * How a session provider picks the mode per bucket: one choice for every bucket, a function
 * of the bucket name, or a map from bucket name to choice (`'*'` is the fallback entry;
 * buckets not in the map get ReadWrite).
 *
 * @example `(bucket) => (bucket.startsWith('logs') ? 'ReadOnly' : 'ReadWrite')`
 */
export type SessionModeOption =
  SessionModeChoice | ((bucket: string) => SessionModeChoice) | Readonly<Record<string, SessionModeChoice>>;

/** The mode used when nothing else is said (what AWS grants by default). */
export const DEFAULT_SESSION_MODE: SessionModeChoice = 'ReadWrite';

/** The choice `option` makes for `bucket`. */
export function chooseSessionMode(option: SessionModeOption | undefined, bucket: string): SessionModeChoice {
  if (option === undefined) return DEFAULT_SESSION_MODE;
  if (typeof option === 'string') return option;
  if (typeof option === 'function') return option(bucket);
  return option[bucket] ?? option['*'] ?? DEFAULT_SESSION_MODE;
}

/** The `SessionMode` request parameter for a choice: none when the server decides. */
export function sessionModeParameter(choice: SessionModeChoice): SessionMode | undefined {
  return choice === 'ServerDefault' ? undefined : choice;
}
