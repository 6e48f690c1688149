import type { RaftConfig } from './config.js';

export type { Entry, Message } from './types.js';
export { EntryType } from './types.js';

/** Config fields a test may override. */
export type RaftConfigLike = Partial<Omit<RaftConfig, 'id' | 'storage'>>;
