/** Program version, embedded in outputs as provenance. */
export const VERSION = '0.1.0';
