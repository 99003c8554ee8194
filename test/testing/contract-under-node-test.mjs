// Run by store-contract.test.ts with `node --test`: the contract suite under node:test, against the
// built package, once with a store that keeps it and once with a store that breaks it.
import { afterEach, describe, it } from 'node:test';
import { MemoryTokenStore } from 'express-token-guard';
import { storeContract } from 'express-token-guard/testing';

storeContract('MemoryTokenStore', () => new MemoryTokenStore(), { describe, it, afterEach, capabilities: { deleteExpired: true } });

class ForgetfulStore extends MemoryTokenStore {
  /** @override @returns {Promise<number>} */
  async deleteBySubject() {
    return 0;
  }
}
storeContract('ForgetfulStore', () => new ForgetfulStore(), { describe, it });
