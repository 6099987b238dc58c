// Types of runtime.js: those the generated concierge.d.ts refers to (pages, errors, the
// generic shapes of adapters' results) and `providerError`. The adapters' interfaces and their
// requests and records are generated in concierge.d.ts.
import type { ExternalRef, ProviderErrorKind, RetryClass } from './concierge';

/** One page of a listing: its items and the cursor of the next page (null on the last). */
export declare class Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

/** A listing: `for await` every item, page after page, or `pages()` for the pages. */
export declare class Paginator<T> implements AsyncIterable<T> {
  pages(): AsyncGenerator<Page<T>>;
  [Symbol.asyncIterator](): AsyncIterator<T>;
  /** Every item of every page, in one array. */
  toArray(): Promise<T[]>;
}

/** What every rejected Concierge operation carries. */
export interface ConciergeErrorBase extends Error {
  readonly code: string;
  readonly retryable: boolean;
}


// Adapters written in JavaScript (R-SDK-1): `Concierge.open(settings, { pms, strata, intercom,
// keyEncoder, mailer })`. The engine calls their methods with its requests (keys in camelCase,
// instants as `Date`s) and reads their results (keys in camelCase; a `Date` is sent as ISO 8601
// text). A method may return its result or a Promise of it. What it throws is reported as a
// `PROVIDER` error naming the adapter and the operation: a `providerError(...)` with its kind and
// retry fields, anything else as kind `other`, not retryable, with the exception's class and
// message.

/** A value, or a Promise of it. */
export type Awaitable<T> = T | Promise<T>;

/** A record an adapter could not read, in place of the record on its page. */
export interface UnreadableRecord {
  unreadable: { external: ExternalRef | null; message: string };
}

/**
 * One page of an adapter's listing: its items and the cursor of the next page (null or absent
 * on the last). A cursor is the adapter's own text; one it never issued must be refused.
 */
export interface AdapterPage<T> {
  items: Array<T | UnreadableRecord>;
  next?: string | null;
}

/** What an adapter knows about a failure, beside its kind. */
export interface ProviderErrorOptions {
  /** Whether a retry can help, when no retry class is given. */
  retryable?: boolean;
  /** Whether and how a retry can help (overrides `retryable`). */
  retryClass?: RetryClass;
  /** The vendor's HTTP status. */
  httpStatus?: number;
  /** The vendor's own error code. */
  vendorCode?: string;
  /** The vendor's request id. */
  requestId?: string;
  /** How long the vendor asked to wait, in seconds. */
  retryAfterSeconds?: number;
}

/** What `providerError` returns: an `Error` for an adapter to throw. */
export interface AdapterProviderError extends Error, ProviderErrorOptions {
  readonly code: 'PROVIDER';
  readonly kind: ProviderErrorKind;
}

/**
 * An `Error` for an adapter to throw: a failure of `kind`, with the retry fields it knows.
 * The engine reports it as a `PROVIDER` error naming the adapter and the operation.
 */
export declare function providerError(
  kind: ProviderErrorKind,
  message: string,
  options?: ProviderErrorOptions,
): AdapterProviderError;
