// The package's types: the generated ones (concierge.d.ts) and the listing types.
export * from './concierge';
export { Page, Paginator, ConciergeErrorBase } from './runtime';
