import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The server build's semver: the root package.json's version. */
export const SERVER_VERSION: string = (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
