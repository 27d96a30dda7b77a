// The demo's socket.io gateway: a connection signs in with `io(url, { auth: { token } })`; the
// user goes where @x looks for it (`socket.data.user`). `boom` fails; `whoami` answers (ack) the
// user as @x would send it.
import { JwtService } from '@nestjs/jwt';
import {
  MessageBody,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { getEventUser, setTag } from '@x/nest';
import type { Claims, DemoUser } from './auth.js';

/** The part of socket.io's server and sockets the gateway uses. */
interface IoServer {
  use(
    middleware: (
      socket: { handshake: { auth?: { token?: unknown } }; data: { user?: DemoUser } },
      next: (error?: Error) => void,
    ) => void,
  ): void;
}

@WebSocketGateway()
export class DemoGateway implements OnGatewayInit {
  constructor(private readonly jwt: JwtService) {}

  afterInit(server: IoServer): void {
    server.use((socket, next) => {
      const token = socket.handshake.auth?.token;
      if (typeof token === 'string') {
        try {
          const claims = this.jwt.verify<Claims>(token);
          socket.data.user = {
            id: claims.sub,
            username: claims.username,
            email: claims.email,
            subscription: claims.subscription,
          };
        } catch {
          return next(new Error('unauthorized'));
        }
      }
      next(); // anonymous connections are allowed, as on the REST routes
    });
  }

  /** Fails; a `tag` in the message goes on the event, so a test can tell messages apart. */
  @SubscribeMessage('boom')
  boom(@MessageBody() body?: { tag?: unknown }): never {
    if (typeof body?.tag === 'string') setTag('demo.tag', body.tag);
    throw new Error('boom');
  }

  @SubscribeMessage('whoami')
  async whoami() {
    return { user: await getEventUser() };
  }
}
