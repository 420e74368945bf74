// nx release's version actions for our two npm packages. Nx's own (@nx/js) is not on the registry for
// Nx 24, so this implements its contract (nx/release VersionActions) for package.json manifests:
// read and write "version", keep the sibling package's dependency range in step. Nothing is published
// from here; readCurrentVersionFromRegistry is therefore unused.
const { VersionActions } = require('nx/release');
const { join } = require('node:path');

class PackageJsonVersionActions extends VersionActions {
  validManifestFilenames = ['package.json'];

  manifestPath() {
    return join(this.projectGraphNode.data.root, 'package.json');
  }

  read(tree) {
    return JSON.parse(tree.read(this.manifestPath(), 'utf-8'));
  }

  async readCurrentVersionFromSourceManifest(tree) {
    return { currentVersion: this.read(tree).version, manifestPath: this.manifestPath() };
  }

  async readCurrentVersionFromRegistry() {
    return null;
  }

  async readCurrentVersionOfDependency(tree, projectGraph, dependencyProjectName) {
    const pkg = this.read(tree);
    const name = projectGraph.nodes[dependencyProjectName]?.data?.metadata?.js?.packageName ?? dependencyProjectName;
    for (const collection of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
      if (pkg[collection]?.[name]) return { currentVersion: pkg[collection][name], dependencyCollection: collection };
    }
    return { currentVersion: null, dependencyCollection: null };
  }

  async updateProjectVersion(tree, newVersion) {
    const pkg = this.read(tree);
    pkg.version = newVersion;
    tree.write(this.manifestPath(), `${JSON.stringify(pkg, null, 2)}\n`);
    return [`✍️  New version ${newVersion} written to manifest: ${this.manifestPath()}`];
  }

  async updateProjectDependencies(tree, projectGraph, dependenciesToUpdate) {
    const pkg = this.read(tree);
    const logs = [];
    for (const [project, version] of Object.entries(dependenciesToUpdate)) {
      const name = projectGraph.nodes[project]?.data?.metadata?.js?.packageName ?? project;
      for (const collection of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
        if (!pkg[collection]?.[name]) continue;
        pkg[collection][name] = version;
        logs.push(`✍️  ${name} in ${collection} set to ${version}`);
      }
    }
    if (logs.length) tree.write(this.manifestPath(), `${JSON.stringify(pkg, null, 2)}\n`);
    return logs;
  }
}

module.exports = PackageJsonVersionActions;
module.exports.default = PackageJsonVersionActions;
