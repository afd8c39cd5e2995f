import { Migration20261125000000_initial } from './Migration20261125000000_initial';

/** Every migration, oldest first; add new ones at the end. */
export const migrationsList = [{ name: 'Migration20261125000000_initial', class: Migration20261125000000_initial }];
