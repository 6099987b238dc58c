// Types of runtime.js that the generated concierge.d.ts refers to.

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
