export interface EnvGeneratorSchema {
  name: string;
  projects?: string;
}
