export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogRecord {
  time: number;
  service: string;
  stream: 'stdout' | 'stderr' | 'system';
  level: LogLevel;
  message: string;
  trace_id?: string;
  span_id?: string;
  fields?: Record<string, unknown>;
}

export interface LogFilter {
  service?: string | string[];
  /** minimum level */
  level?: LogLevel;
  trace?: string;
  since?: number;
  until?: number;
  /** at most this many (the newest) */
  limit?: number;
}
