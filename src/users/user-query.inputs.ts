import { IsBoolean, IsEnum, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { DateTimeResolver } from 'graphql-scalars';
import { Field, InputType, Int } from 'type-graphql';
import { UserRole } from './user-role';
import { SortDirection, UserSortField } from '../graphql/graphql-enums';
import { RoleRules, TimestampRules } from './user.rules';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

@InputType({ description: 'Every given condition must hold.' })
export class UserFilterInput {
  @Field({ nullable: true, description: 'Matches username, email, first or last name, in any letter case.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  @Field(() => UserRole, { nullable: true })
  @IsOptional()
  @RoleRules()
  role?: UserRole;

  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  isActive?: boolean;

  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  emailVerified?: boolean;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Created at or after this instant.' })
  @IsOptional()
  @TimestampRules()
  createdAfter?: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Created before this instant.' })
  @IsOptional()
  @TimestampRules()
  createdBefore?: Date;
}

@InputType({ description: 'How to order users; ties are always broken by id.' })
export class UserOrderInput {
  @Field(() => UserSortField)
  @IsEnum(UserSortField)
  field!: UserSortField;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC })
  @IsEnum(SortDirection)
  direction: SortDirection = SortDirection.ASC;
}

export class OffsetPageInput {
  @IsInt()
  @Min(1)
  page: number = 1;

  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = DEFAULT_PAGE_SIZE;
}

export class CursorPageInput {
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  first: number = DEFAULT_PAGE_SIZE;

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  after?: string;
}

export const DEFAULT_USER_ORDER: UserOrderInput = { field: UserSortField.CREATED_AT, direction: SortDirection.DESC };
