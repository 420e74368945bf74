export interface LibGeneratorSchema {
  name: string;
  directory?: string;
  tags?: string;
  skipFormat?: boolean;
  skipPackageJson?: boolean;
}
