import { toPropertyMap } from './auth-info.js';
import type { AccessToken, Property } from './record.js';

interface Shared {
  readonly key: string;
  uses: number;
  properties?: Readonly<Record<string, string>>;
}

/**
 * Shares equal lists between the records of one store: every record whose `scopes`,
 * `refreshTokenScopes` or `properties` equal another's (same items, same order, same `hidden`
 * flags) holds the same deep-frozen array, and records with equal properties share one
 * {@link AuthInfo} `properties` map. Most tokens carry one of a few scope lists and property sets,
 * so a store of many records keeps a few lists instead of one per record.
 *
 * Each shared list counts the records holding it and is dropped with the last of them: a store
 * whose records all carry different lists pays one map entry per list on top of the list itself.
 */
export class ListInterner {
  readonly #byKey = new Map<string, readonly unknown[]>();
  readonly #shared = new Map<readonly unknown[], Shared>();

  /**
   * Replaces the lists of `checked` (a copy the store owns, not yet frozen) with shared frozen
   * equals, counting a use of each, and returns the `properties` map to seal it with.
   */
  intern(checked: AccessToken): Readonly<Record<string, string>> | undefined {
    if (checked.scopes !== undefined) checked.scopes = this.#acquire(checked.scopes) as string[];
    if (checked.refreshTokenScopes !== undefined) {
      checked.refreshTokenScopes = this.#acquire(checked.refreshTokenScopes) as string[];
    }
    if (checked.properties === undefined) return undefined;
    const properties = this.#acquire(checked.properties) as Property[];
    checked.properties = properties;
    const shared = this.#shared.get(properties) as Shared;
    return (shared.properties ??= toPropertyMap(properties));
  }

  /** Counts off the uses of a record's lists that {@link ListInterner.intern} counted. */
  release(record: Readonly<AccessToken>): void {
    this.#release(record.scopes);
    this.#release(record.refreshTokenScopes);
    this.#release(record.properties);
  }

  /** How many distinct lists are shared. */
  get size(): number {
    return this.#shared.size;
  }

  #acquire(list: readonly unknown[]): readonly unknown[] {
    const key = JSON.stringify(list);
    const found = this.#byKey.get(key);
    if (found !== undefined) {
      (this.#shared.get(found) as Shared).uses++;
      return found;
    }
    for (const item of list) if (typeof item === 'object') Object.freeze(item);
    Object.freeze(list);
    this.#byKey.set(key, list);
    this.#shared.set(list, { key, uses: 1 });
    return list;
  }

  #release(list: readonly unknown[] | undefined): void {
    const shared = list === undefined ? undefined : this.#shared.get(list);
    if (shared === undefined || --shared.uses > 0) return;
    this.#byKey.delete(shared.key);
    this.#shared.delete(list as readonly unknown[]);
  }
}
