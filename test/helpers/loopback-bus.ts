import { BusListeners, encodeInvalidation, type Invalidation, type InvalidationBus } from '../../src/cache/invalidation-bus.js';

/**
 * An invalidation bus inside one process whose connection the test switches by hand: what a Redis or
 * PostgreSQL bus does, without the network. `published` records what was sent, in order.
 */
export class LoopbackBus implements InvalidationBus {
  readonly #listeners = new BusListeners();
  readonly published: string[] = [];
  publishError: Error | undefined;

  get connected(): boolean {
    return this.#listeners.connected;
  }

  subscribe: InvalidationBus['subscribe'] = (listener) => this.#listeners.subscribe(listener);

  async publish(invalidation: Invalidation): Promise<void> {
    if (this.publishError !== undefined) throw this.publishError;
    this.published.push(encodeInvalidation(invalidation));
    if (this.connected) this.#listeners.deliver(encodeInvalidation(invalidation));
  }

  /** Delivers a message as if another instance (or a database trigger) had sent it. */
  receive(message: string): void {
    this.#listeners.deliver(message);
  }

  setConnected(connected: boolean): void {
    this.#listeners.setConnected(connected);
  }

  async close(): Promise<void> {
    this.#listeners.setConnected(false);
  }
}
