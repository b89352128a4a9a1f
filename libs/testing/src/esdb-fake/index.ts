export { EsdbProtocolFake } from './esdb-protocol-fake';
export type { EsdbProtocolFakeOptions, FakeRpc } from './esdb-protocol-fake';
