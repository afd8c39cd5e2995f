import { registerEnumType } from 'type-graphql';
import { UserRole } from '../users/user-role';

export enum SortDirection {
  ASC = 'asc',
  DESC = 'desc',
}

export enum UserSortField {
  CREATED_AT = 'createdAt',
  UPDATED_AT = 'updatedAt',
  USERNAME = 'username',
  EMAIL = 'email',
  LAST_NAME = 'lastName',
}

registerEnumType(UserRole, { name: 'Role', description: 'What a user may do: ADMIN > MODERATOR > USER.' });
registerEnumType(SortDirection, { name: 'SortDirection', description: 'Ascending or descending.' });
registerEnumType(UserSortField, { name: 'UserSortField', description: 'Fields users can be ordered by; ties are broken by id.' });
