import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { requestState } from './requestState.js';

/**
 * Records, for @x, the route Nest matched (so `@UserMapping()` / `@SkipCapture()` can be read
 * when an event is built) and, on Fastify, Fastify's request object (`ip`, `user`). Never blocks
 * a request: it always answers `true`. Installed globally by `XModule`.
 */
@Injectable()
export class XRouteGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() === 'http') {
      requestState(context.switchToHttp().getRequest())?.setRoute(
        context.getHandler(),
        context.getClass(),
        this.reflector,
      );
    }
    return true;
  }
}
