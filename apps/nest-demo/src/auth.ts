import { Injectable } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';

/** What the demo's JWT carries. */
export interface Claims {
  sub: string;
  username: string;
  email: string;
  subscription: string;
}

/** The signed-in user as `req.user` (what @nestjs/passport sets). */
export interface DemoUser {
  id: string;
  username: string;
  email: string;
  subscription: string;
}

export const JWT_SECRET = process.env.JWT_SECRET ?? 'x-demo-secret';

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor() {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: JWT_SECRET });
  }

  validate(claims: Claims): DemoUser {
    return {
      id: claims.sub,
      username: claims.username,
      email: claims.email,
      subscription: claims.subscription,
    };
  }
}

/** Signs the user in when a valid Bearer token is sent; lets anonymous requests through. */
@Injectable()
export class OptionalJwtGuard extends AuthGuard('jwt') {
  override handleRequest<T>(_error: unknown, user: T): T {
    return (user || null) as T;
  }
}
