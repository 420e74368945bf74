export {
  getTestDB,
  getTestKV,
  getTestR2,
  MissingServiceError,
  startWorker,
  type D1Like,
  type RunningWorker,
  type RpcStandIn,
  type ServiceHandler,
  type ServiceStandIn,
  type StartWorkerOptions,
} from './start-worker';
export { startEmbeddedPostgres, type EmbeddedPostgres } from './postgres';
