import { IsString, Length } from 'class-validator';

export class LoginInput {
  @IsString()
  @Length(1, 254)
  username!: string;

  @IsString()
  @Length(1, 256)
  password!: string;
}

export class RefreshTokenInput {
  @IsString()
  @Length(1, 4096)
  refreshToken!: string;
}
