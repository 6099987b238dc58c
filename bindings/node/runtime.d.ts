// Types of runtime.js: those the generated concierge.d.ts refers to, and those of adapters
// written in JavaScript with `providerError`.
import type { EncoderInfo, ExternalRef, OccupancyRole, PmsProperty, ProviderErrorKind, RetryClass } from './concierge';

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


// Adapters written in JavaScript (R-SDK-1): `Concierge.open(settings, { pms, keyEncoder })`.
// The engine calls their methods with its requests (keys in camelCase, instants as ISO 8601
// text) and reads their results (keys in camelCase; a `Date` is sent as ISO 8601 text). A
// method may return its result or a Promise of it. What it throws is reported as a `PROVIDER`
// error naming the adapter and the operation: a `providerError(...)` with its kind and retry
// fields, anything else as kind `other`, not retryable, with the exception's class and message.

/** A value, or a Promise of it. */
export type Awaitable<T> = T | Promise<T>;

/** A record an adapter could not read, in place of the record on its page. */
export interface UnreadableRecord {
  unreadable: { external: ExternalRef | null; message: string };
}

/** One page of a PMS listing: its items and the cursor of the next page (null on the last). */
export interface AdapterPage<T> {
  items: Array<T | UnreadableRecord>;
  next?: string | null;
}

/** A unit as the PMS has it. */
export interface PmsUnitRecord {
  external: ExternalRef;
  /** The PMS property it belongs to (a listing may cover several). */
  property: ExternalRef;
  /** Its building's name, or null for the property itself. */
  buildingName?: string | null;
  floor?: string | null;
  number: string;
}

/** A resident as the PMS has it. */
export interface PmsResidentRecord {
  external: ExternalRef;
  /** The PMS property they live in (a listing may cover several). */
  property: ExternalRef;
  unit: ExternalRef;
  /** Whether the listing carried their names and contact details (default true). */
  contactListed?: boolean;
  firstName: string;
  lastName: string;
  email?: string | null;
  phone?: string | null;
  role: OccupancyRole;
  /** `YYYY-MM-DD`. */
  moveIn?: string | null;
  /** `YYYY-MM-DD`. */
  moveOut?: string | null;
  /** When the PMS last changed the record: ISO 8601 text or a `Date`. */
  updatedAt?: string | Date | null;
}

/** `listProperties`' request. */
export interface ListPmsPropertiesRequest {
  cursor: string | null;
}

/** `listUnits`' request: the units of these PMS properties. */
export interface ListPmsUnitsRequest {
  properties: ExternalRef[];
  cursor: string | null;
}

/** `listResidents`' request: the residents of these PMS properties, changed since an instant. */
export interface ListPmsResidentsRequest {
  properties: ExternalRef[];
  /** ISO 8601 instant, or null for every resident. */
  updatedSince: string | null;
  cursor: string | null;
}

/** A PMS written in JavaScript. */
export interface PmsAdapter {
  /** The provider's stable name, as errors and external references name it. */
  readonly name: string;
  /** How many properties one listing of units or residents may name (default 1). */
  readonly propertiesPerListing?: number;
  listProperties(request: ListPmsPropertiesRequest): Awaitable<AdapterPage<PmsProperty>>;
  listUnits(request: ListPmsUnitsRequest): Awaitable<AdapterPage<PmsUnitRecord>>;
  listResidents(request: ListPmsResidentsRequest): Awaitable<AdapterPage<PmsResidentRecord>>;
}

/** `encodeKey`'s request: write a key on an encoder. */
export interface EncodeKeyRequest {
  encoder: ExternalRef;
  holderRef: string;
  unitRef: string;
  /** The same for every attempt of one key: a retry must not write a second key. */
  idempotencyKey: string;
  deadlineSeconds: number;
}

/** `keyState`'s request: the state of a key, by its reference or its idempotency key. */
export interface KeyStateRequest {
  key: ExternalRef | null;
  idempotencyKey: string | null;
}

/** `keyState`'s result. */
export interface KeyStateResult {
  key: ExternalRef | null;
  state: 'not_assigned' | 'pending' | 'active' | 'outdated';
}

/** `cancelKey`'s request. */
export interface CancelKeyRequest {
  key: ExternalRef;
  idempotencyKey: string;
}

/** A key encoder written in JavaScript. */
export interface KeyEncoderAdapter {
  /** The provider's stable name, as errors and external references name it. */
  readonly name: string;
  listEncoders(request: Record<string, never>): Awaitable<{ encoders: EncoderInfo[] }>;
  encodeKey(request: EncodeKeyRequest): Awaitable<{ key: ExternalRef }>;
  keyState(request: KeyStateRequest): Awaitable<KeyStateResult>;
  cancelKey(request: CancelKeyRequest): Awaitable<void>;
}

/** The adapters of `Concierge.open`; each takes the place of the settings' one of its kind. */
export interface Adapters {
  pms?: PmsAdapter | null;
  keyEncoder?: KeyEncoderAdapter | null;
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
