/** ../shared/data beside the checkout (tests that need it skip when it is absent). */
import { resolve } from 'node:path';
export const SHARED_DATA = resolve(__dirname, '../../../shared/data');
