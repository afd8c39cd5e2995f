import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The service's name and version, from package.json: one version for the OpenAPI document, the
 * index and whoever asks. package.json sits two levels up from both src/platform and dist/platform (the
 * Dockerfile copies it beside dist/ too).
 */
function readPackageInfo(): { name: string; version: string } {
  const { name, version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { name: string; version: string };
  return { name, version };
}

export const packageInfo = readPackageInfo();
