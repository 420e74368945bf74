export type BindingType = 'kv' | 'd1' | 'r2' | 'queue' | 'service' | 'do' | 'workflow' | 'vectorize';

export interface BindingGeneratorSchema {
  project: string;
  type: BindingType;
  binding: string;
  service?: string;
  env?: string;
  id?: string;
  databaseName?: string;
  bucketName?: string;
  queue?: string;
  className?: string;
  scriptName?: string;
  skipFormat?: boolean;
}
