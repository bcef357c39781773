import { existsSync } from 'node:fs';

/** Debian's chromium; TEMPORALCI_CHROMIUM points elsewhere. */
export const CHROMIUM_PATH = process.env.TEMPORALCI_CHROMIUM ?? '/usr/bin/chromium';

/** Browser tests run only where a Chromium is installed (CI installs Debian's); see global-setup.ts. */
export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
