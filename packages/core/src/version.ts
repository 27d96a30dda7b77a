/** The version of @x/core (kept equal to package.json by a test). */
export const SDK_VERSION = '0.1.0';
