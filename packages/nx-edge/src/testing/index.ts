export { startWorker, type RunningWorker, type StartWorkerOptions } from './start-worker';
