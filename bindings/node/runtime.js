'use strict';
// How the generated classes (concierge.js) talk to the native module: arguments to JSON
// (option keys from camelCase to the facade's snake_case), results decoded into plain objects
// with camelCase keys and `Date`s, listings fetched page after page, errors given their fields.
// Conversion only: every name, default, check and rule lives in the Rust facade
// (`concierge::api`) from which concierge.js is generated.
// It also owns adapters written in JavaScript (R-SDK-1, `Concierge.open(settings, { pms,
// strata, intercom, keyEncoder, mailer })`): each becomes what it declares and one
// `dispatch(method, argsJson)` for the native module, and `providerError` builds what an
// adapter throws to report a typed failure.

const { NativeHandle } = require('./native.js');

const records = new Map();
const hiddenFields = new Map();
const errors = new Map();
const inspect = Symbol.for('nodejs.util.inspect.custom');

function register(name, fields, hidden = []) {
  records.set(name, fields);
  if (hidden.length > 0) hiddenFields.set(name, hidden);
}

/** `inspect` of a record with personal data or a secret: those fields shown as redacted. */
function redactedInspect(hidden) {
  return function (depth, options, inspectFn) {
    const shown = {};
    for (const [k, v] of Object.entries(this)) shown[k] = hidden.includes(k) && v != null ? '[redacted]' : v;
    return inspectFn(shown, options);
  };
}

function registerError(code, fields) {
  errors.set(code, fields);
}

const snakeKey = (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camelKey = (k) => k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

function isPlain(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}

/** A value as the facade reads it: plain objects' keys in snake_case, dates as ISO text. */
function snake(v) {
  if (Array.isArray(v)) return v.map(snake);
  if (v instanceof Date) return v.toISOString();
  if (isPlain(v)) {
    const out = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[snakeKey(k)] = snake(x);
    return out;
  }
  return v;
}

/** The JS value of `value` (JSON) for a decoding tag of the generated code. */
function decode(tag, value) {
  if (tag.endsWith('?')) return value === null || value === undefined ? null : decode(tag.slice(0, -1), value);
  if (tag.startsWith('[')) return value.map((v) => decode(tag.slice(1, -1), v));
  if (tag === 's' || tag === 'date') return value;
  if (tag === 'datetime') return new Date(value);
  const fields = records.get(tag);
  const out = {};
  for (const [name, t] of Object.entries(fields)) out[camelKey(name)] = decode(t, value[name]);
  const hidden = hiddenFields.get(tag);
  if (hidden) Object.defineProperty(out, inspect, { value: redactedInspect(hidden), enumerable: false });
  return out;
}

/** A value as JS reads it: plain objects' keys in camelCase (the inverse of `snake`). */
function camel(v) {
  if (Array.isArray(v)) return v.map(camel);
  if (isPlain(v)) {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[camelKey(k)] = camel(x);
    return out;
  }
  return v;
}

function json(v) {
  return JSON.stringify(v === undefined ? {} : snake(v));
}

/** Gives a rejected operation's `Error` its code's fields as properties, in camelCase. */
function enrich(err) {
  if (err && typeof err.fieldsJson === 'string') {
    const fields = JSON.parse(err.fieldsJson);
    const types = errors.get(err.code) || {};
    delete err.fieldsJson;
    for (const [name, v] of Object.entries(fields)) err[camelKey(name)] = decode(types[name] || 's', v);
  }
  return err;
}

async function call(native, op, admin, positional, options, tag) {
  try {
    const raw = await native.call(op, admin == null ? null : json(admin), json(positional), json(options));
    return decode(tag, JSON.parse(raw));
  } catch (err) {
    throw enrich(err);
  }
}

/** One page of a listing: its items and the cursor of the next page (null on the last). */
class Page {
  constructor(items, nextCursor) {
    this.items = items;
    this.nextCursor = nextCursor;
  }
}

/** A listing: `for await` every item, page after page (each fetched when needed), or `pages()`. */
class Paginator {
  constructor(fetch, tag) {
    this._fetch = fetch;
    this._tag = tag;
  }

  async *pages() {
    let cursor = null;
    for (;;) {
      const raw = await this._fetch(cursor);
      const page = new Page(raw.items.map((v) => decode(this._tag, v)), raw.next_cursor);
      yield page;
      if (page.nextCursor === null) return;
      cursor = page.nextCursor;
    }
  }

  async *[Symbol.asyncIterator]() {
    for await (const page of this.pages()) yield* page.items;
  }

  /** Every item of every page, in one array. */
  async toArray() {
    const all = [];
    for await (const item of this) all.push(item);
    return all;
  }
}

// Adapters written in JavaScript (R-SDK-1). The engine calls a method by its snake_case name
// with its request as JSON; the adapter's method of the camelCase name gets the request with
// camelCase keys, and returns (or resolves to) its result, which goes back with snake_case
// keys. What it throws goes back as what was raised: a `providerError`'s kind and retry
// fields, or any other exception's class name and message. Reading both is the engine's work.

/**
 * An `Error` for an adapter to throw: a failure of `kind` (`rate_limited`, `timeout`,
 * `unavailable`, `rejected`…), with the retry fields it knows; the engine reports it as a
 * `PROVIDER` error naming the adapter and the operation.
 */
function providerError(kind, message, options = {}) {
  const err = new Error(message);
  err.name = 'ProviderError';
  err.code = 'PROVIDER';
  err.kind = kind;
  for (const field of providerFields()) {
    if (options[field] !== undefined) err[field] = options[field];
  }
  return err;
}

/** The fields of a `PROVIDER` error, camelCase, as the generated declaration lists them. */
function providerFields() {
  return Object.keys(errors.get('PROVIDER') ?? {}).map(camelKey);
}

/** What an adapter threw, as the engine reads it (the fields of `concierge::foreign::Raised`). */
function raised(err) {
  const text = (v) => {
    try {
      return String(v);
    } catch {
      return Object.prototype.toString.call(v);
    }
  };
  if (err !== null && typeof err === 'object' && err.code === 'PROVIDER') {
    const fields = Object.fromEntries(providerFields().map((f) => [f, err[f]]));
    return snake({ ...fields, type: err.name, message: text(err.message) });
  }
  if (err instanceof Error) return { type: err.name, message: text(err.message) };
  return { message: text(err) };
}

/** The kinds of adapter the engine takes (snake_case), each with its methods' requests. */
const adapterKinds = new Map();

/** Registers the kinds of adapter and, for each method, the record its request decodes into. */
function registerAdapters(kinds) {
  for (const [kind, requests] of Object.entries(kinds)) adapterKinds.set(kind, requests);
}

/**
 * The native side of `adapter`: what it declares (read once, here; the engine uses those of
 * its kind and refuses a missing name) and its `dispatch`, which decodes each request as a
 * result is decoded (camelCase keys, `Date`s, secrets redacted from `inspect`).
 */
function nativeAdapter(adapter, requests) {
  if (adapter == null) return null;
  const dispatch = async (method, argsJson) => {
    try {
      const name = camelKey(method);
      if (typeof adapter[name] !== 'function') throw new TypeError(`the adapter has no method ${name}`);
      const args = JSON.parse(argsJson);
      const request = requests[method] === undefined ? camel(args) : decode(requests[method], args);
      const result = await adapter[name](request);
      return JSON.stringify({ ok: result === undefined ? null : snake(result) });
    } catch (err) {
      return JSON.stringify({ raised: raised(err) });
    }
  };
  // The native object takes an absent field, not null: null is read as absent.
  const declared = (v) => (v === null ? undefined : v);
  return {
    name: declared(adapter.name),
    propertiesPerListing: declared(adapter.propertiesPerListing),
    consentUrl: declared(adapter.consentUrl),
    dispatch,
  };
}

/**
 * The argument of `NativeHandle.open` after the settings: each adapter given, by the engine's
 * name of its kind (`keyEncoder` → `key_encoder`). A key that is no kind reaches the engine,
 * which refuses it.
 */
function nativeAdapters(adapters) {
  const native = {};
  for (const [key, adapter] of Object.entries(adapters ?? {})) {
    const kind = snakeKey(key);
    const made = nativeAdapter(adapter, adapterKinds.get(kind) ?? {});
    if (made !== null) native[kind] = made;
  }
  return native;
}

let Controls = null;

class Handle {
  constructor(native) {
    this._native = native;
  }

  static async open(settings, adapters) {
    try {
      return new this(await NativeHandle.open(json(settings), nativeAdapters(adapters)));
    } catch (err) {
      throw enrich(err);
    }
  }

  get sandboxControls() {
    return this._native.isSandbox() ? new Controls(this._native) : null;
  }

  async close() {
    await this._native.close();
  }

  _call(op, admin, positional, options, tag) {
    return call(this._native, op, admin, positional, options, tag);
  }

  _paged(op, admin, positional, options, tag) {
    const base = options === undefined ? {} : snake(options);
    const fetch = async (cursor) => {
      const page = cursor === null ? base : { ...base, cursor };
      try {
        return JSON.parse(await this._native.call(op, json(admin), json(positional), JSON.stringify(page)));
      } catch (err) {
        throw enrich(err);
      }
    };
    return new Paginator(fetch, tag);
  }

  [inspect]() {
    return `${this.constructor.name}(${this._native.summary()})`;
  }
}

class SandboxBase {
  constructor(native) {
    this._native = native;
  }

  _call(op, admin, positional, options, tag) {
    return call(this._native, op, null, positional, options, tag);
  }
}

function bind(_concierge, controls) {
  Controls = controls;
}

module.exports = { register, registerError, registerAdapters, decode, Handle, SandboxBase, Paginator, Page, bind, providerError };
