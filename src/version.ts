// The running version, kept apart so that light commands need not load the whole server.
export const VERSION = '0.1.0';
