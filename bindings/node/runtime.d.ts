// Types of runtime.js: those the generated concierge.d.ts refers to, and those of adapters
// written in JavaScript with `providerError`.
import type {
  ContactPreference,
  EncoderInfo,
  ExternalRef,
  OccupancyRole,
  PmsProperty,
  PreflightCheck,
  ProviderErrorKind,
  RetryClass,
  StrataBuildingStatus,
  StrataUserType,
} from './concierge';

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
// instants as ISO 8601 text) and reads their results (keys in camelCase; a `Date` is sent as
// ISO 8601 text). A method may return its result or a Promise of it. What it throws is reported as a `PROVIDER`
// error naming the adapter and the operation: a `providerError(...)` with its kind and retry
// fields, anything else as kind `other`, not retryable, with the exception's class and message.

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

// Strata system.

/** A building (plan, scheme) as the strata system has it. */
export interface StrataBuildingRecord {
  external: ExternalRef;
  /** The plan (scheme) number, e.g. "SP 54321". */
  planNumber: string;
  /** Its name, never empty (the plan number or a short address when it has none). */
  name: string;
  address?: string | null;
  /** `inactive`: no longer managed, not synced any more. */
  status: StrataBuildingStatus;
}

/** A lot a strata user holds or rents. */
export interface StrataLotRecord {
  /** The lot number on the plan, e.g. "12". */
  lotNumber: string;
  /** The unit (apartment) number, when the lot has one. */
  unitNumber?: string | null;
}

/** A user (owner, tenant, committee member) of a strata building, one per contact. */
export interface StrataUserRecord {
  /** The contact in the strata system: the user's identity. */
  external: ExternalRef;
  /** The building it was listed for. */
  building: ExternalRef;
  /** The name exactly as the strata system holds it. */
  displayName: string;
  /** Null for a company. */
  firstName?: string | null;
  lastName?: string | null;
  /** The login email: the first valid address. */
  email?: string | null;
  /** Other addresses: kept as contacts, never invited. */
  altEmails: string[];
  mobile?: string | null;
  phone?: string | null;
  /** The lots held or rented; never empty. */
  lots: StrataLotRecord[];
  /** An ownership type or `tenant`, plus `committee` for committee members. */
  userTypes: StrataUserType[];
  /** Lease dates (`YYYY-MM-DD`), for tenants. */
  tenancy?: { moveIn?: string | null; moveOut?: string | null } | null;
  /** Data-quality notes that did not stop the record. */
  warnings: string[];
}

/** `listBuildings`' request (strata). */
export interface ListStrataBuildingsRequest {
  cursor: string | null;
}

/** `getBuilding`'s request (strata): one building; one it does not have is `not_found`. */
export interface GetStrataBuildingRequest {
  building: ExternalRef | null;
}

/** `listUsers`' request: one page of a building's users. */
export interface ListStrataUsersRequest {
  building: ExternalRef | null;
  cursor: string | null;
}

/** A strata system written in JavaScript. */
export interface StrataAdapter {
  /** The provider's stable name, as errors and external references name it. */
  readonly name: string;
  listBuildings(request: ListStrataBuildingsRequest): Awaitable<AdapterPage<StrataBuildingRecord>>;
  getBuilding(request: GetStrataBuildingRequest): Awaitable<StrataBuildingRecord>;
  listUsers(request: ListStrataUsersRequest): Awaitable<AdapterPage<StrataUserRecord>>;
}

// Door intercom.

/** A building as the intercom has it. */
export interface IntercomBuildingRecord {
  external: ExternalRef;
  name: string;
  /** Its IANA time zone (e.g. `Australia/Sydney`), when the intercom gives one. */
  timeZone?: string | null;
}

/** A tenant as the intercom has it. */
export interface IntercomTenantRecord {
  external: ExternalRef;
  name: string;
  email?: string | null;
  unitLabel?: string | null;
  contactPreference: ContactPreference;
}

/** `authorize`'s request: the code of the one-time consent, to exchange for the tokens. */
export interface AuthorizeIntercomRequest {
  /** Secret: never to be put in an error or a log. */
  code: string;
}

/** `listBuildings`' request (intercom). */
export interface ListIntercomBuildingsRequest {
  cursor: string | null;
}

/** `getBuilding`'s request (intercom): one building; one it does not have is `not_found`. */
export interface GetIntercomBuildingRequest {
  building: ExternalRef;
}

/** `ensurePlaceholder`'s request: the site's placeholder unit and tenant, adopted if they exist. */
export interface EnsurePlaceholderRequest {
  building: ExternalRef;
  unitLabel: string;
  unitFloor: string;
  tenantFirstName: string;
  tenantLastName: string;
  /** Matched case-insensitively against the tenants the building has. */
  tenantEmail: string;
}

/** `ensurePlaceholder`'s result. */
export interface EnsurePlaceholderResult {
  unit: ExternalRef;
  tenant: ExternalRef;
  /** Whether this call created the unit (false: an existing one was adopted). */
  createdUnit: boolean;
  /** Whether this call created the tenant (false: an existing one was adopted). */
  createdTenant: boolean;
}

/** `preflight`'s request: the intercom side of a site's checks. */
export interface PreflightRequest {
  building: ExternalRef;
  /** The placeholder unit, once provisioned. */
  unit: ExternalRef | null;
  /** The placeholder tenant, once provisioned. */
  tenant: ExternalRef | null;
}

/** `listTenants`' request: one page of a building's tenants. */
export interface ListIntercomTenantsRequest {
  building: ExternalRef;
  cursor: string | null;
}

/** When a visitor pass works: instants, ISO 8601 text in a request, text or `Date` in a result. */
export interface VisitWindow<T = string> {
  startsAt: T;
  endsAt: T;
}

/**
 * `createVisitorPass`' request: a pass for exactly `window`, issued through the placeholder
 * tenant. `idempotencyKey` names the pass; with `retry`, an earlier attempt may have reached
 * the intercom: look the pass up by that name first and return it if found.
 */
export interface CreateVisitorPassRequest {
  building: ExternalRef;
  tenant: ExternalRef;
  visitorName: string;
  window: VisitWindow;
  idempotencyKey: string;
  retry: boolean;
}

/** `createVisitorPass`' result: the pass made (or found). */
export interface VisitorPassRecord {
  external: ExternalRef;
  /** The visitor's credential on it, when one was issued. */
  key?: ExternalRef | null;
  qrCodeUrl?: string | null;
  instructionsUrl?: string | null;
  /** The instants the intercom recorded. */
  window: VisitWindow<string | Date>;
}

/** `revokeVisitorPass`' request; a pass the intercom no longer has is `not_found`. */
export interface RevokeVisitorPassRequest {
  pass: ExternalRef;
}

/** A door intercom written in JavaScript. */
export interface IntercomAdapter {
  /** The provider's stable name, as errors and external references name it. */
  readonly name: string;
  /** Where a building admin gives the one-time consent; absent when the intercom needs none. */
  readonly consentUrl?: string | null;
  /** Completes the consent (needed only with a `consentUrl`); a code it never issued is refused. */
  authorize?(request: AuthorizeIntercomRequest): Awaitable<void>;
  listBuildings(request: ListIntercomBuildingsRequest): Awaitable<AdapterPage<IntercomBuildingRecord>>;
  getBuilding(request: GetIntercomBuildingRequest): Awaitable<IntercomBuildingRecord>;
  ensurePlaceholder(request: EnsurePlaceholderRequest): Awaitable<EnsurePlaceholderResult>;
  preflight(request: PreflightRequest): Awaitable<{ checks: PreflightCheck[] }>;
  listTenants(request: ListIntercomTenantsRequest): Awaitable<AdapterPage<IntercomTenantRecord>>;
  createVisitorPass(request: CreateVisitorPassRequest): Awaitable<VisitorPassRecord>;
  revokeVisitorPass(request: RevokeVisitorPassRequest): Awaitable<void>;
}

// Mailer.

/**
 * `send`'s request: one email. Its bodies may hold an activation link: never to be put in an
 * error or a log. The same `idempotencyKey` again is the same email: send it once.
 */
export interface SendEmailRequest {
  from: string;
  to: string;
  subject: string;
  body: string;
  htmlBody: string | null;
  idempotencyKey: string;
}

/** A mailer written in JavaScript. */
export interface MailerAdapter {
  /** The provider's stable name, as errors name it. */
  readonly name: string;
  /** Sends one email; a recipient that is not an address is refused, not retryable. */
  send(request: SendEmailRequest): Awaitable<{ messageId: string }>;
}

/** The adapters of `Concierge.open`; each takes the place of the settings' one of its kind. */
export interface Adapters {
  pms?: PmsAdapter | null;
  strata?: StrataAdapter | null;
  intercom?: IntercomAdapter | null;
  keyEncoder?: KeyEncoderAdapter | null;
  mailer?: MailerAdapter | null;
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
