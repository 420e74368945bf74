export { startWorker, type RunningWorker, type ServiceHandler, type ServiceStandIn, type StartWorkerOptions } from './start-worker';
