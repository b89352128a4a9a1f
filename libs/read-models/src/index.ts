export * from './projection';
export * from './read-view';
export * from './memory-read-model';
export * from './projections';
export * from './lists/registrations.projection';
export * from './time-travel';
