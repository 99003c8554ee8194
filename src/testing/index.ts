export { storeContract, type ContractStore, type StoreCapabilities, type StoreContractOptions } from './store-contract.js';
export {
  startFakeAuthlete,
  type FakeAuthlete,
  type FakeAuthleteCall,
  type FakeAuthleteOptions,
  type FakeAuthleteReply,
} from './fake-authlete.js';
