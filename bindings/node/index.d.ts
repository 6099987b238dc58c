// The package's types: the generated ones (concierge.d.ts), the listing types and the types of
// adapters written in JavaScript.
export * from './concierge';
export { Page, Paginator, ConciergeErrorBase, providerError } from './runtime';
export type {
  Awaitable,
  AdapterPage,
  UnreadableRecord,
  ProviderErrorOptions,
  AdapterProviderError,
} from './runtime';
