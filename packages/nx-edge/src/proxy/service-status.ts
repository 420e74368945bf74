export type { ServiceState, ServiceStatus } from '../dev/types';
