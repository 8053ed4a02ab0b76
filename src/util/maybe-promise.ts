/**
 * A value or a promise of it, for seams whose file-backed side answers synchronously and whose
 * networked side may not (undici's CacheStore pattern). Callers `await` every answer.
 */
export type MaybePromise<T> = T | Promise<T>;
