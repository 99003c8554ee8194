export { storeContract, type ContractStore, type StoreCapabilities, type StoreContractOptions } from './store-contract.js';
