import { version } from '../package.json';

/** This client's version, sent at bootstrap and in `hello`; the server refuses one below its minimum. */
export const CLIENT_VERSION: string = version;
