// Mirrors the contract of src/dev/types.ts (DEV-CORE). Kept structural so either can be passed;
// switch to `export type { ... } from '../dev/types'` once that file lands.
export type ServiceState = 'pending' | 'starting' | 'healthy' | 'unhealthy' | 'stopped' | 'failed';
export interface ServiceStatus {
  service: string;
  kind: 'worker' | 'service';
  state: ServiceState;
  pid?: number;
  port?: number;
  url?: string;
  health?: string;
  startedAt?: number;
  restarts: number;
  exitCode?: number;
}
