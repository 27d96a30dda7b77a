// A Nest app with one WebSocket gateway, on socket.io (Nest's default IoAdapter) or on the `ws`
// adapter (WsAdapter), with or without XModule; each connection authenticates with a JWT at the
// handshake. Each app gets gateway classes of its own: @x instruments gateway classes.
import 'reflect-metadata';
import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  type INestApplication,
  Injectable,
  Module,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { Test } from '@nestjs/testing';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WsException,
} from '@nestjs/websockets';
import jsonwebtoken from 'jsonwebtoken';
import { getUserAsync, XModule } from '../src/index.js';

/** The gateway's adapter: socket.io (Nest's default `IoAdapter`) or `ws` (`WsAdapter`). */
export type WsPlatform = 'socket.io' | 'ws';

const SECRET = 'ws-test-secret';

/** A handshake token for the user `sub`. */
export const wsToken = (sub: string) =>
  jsonwebtoken.sign({ sub, username: `name-${sub}`, email: `${sub}@example.com` }, SECRET);

function verified(token: unknown): Record<string, unknown> | undefined {
  try {
    return typeof token === 'string'
      ? (jsonwebtoken.verify(token, SECRET) as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What the tests see of the server: how many connections the gateway accepted, and which of them
 * (by their order, from 0) were garbage-collected. A FinalizationRegistry rather than WeakRefs:
 * `deref()` keeps its target alive until the current job ends.
 */
export interface ServerProbe {
  connections: number;
  collected: Set<number>;
}

const finalized = new FinalizationRegistry<() => void>((onCollected) => onCollected());

function newProbe(): ServerProbe {
  return { connections: 0, collected: new Set() };
}

/** A per-message guard that fails unexpectedly, or denies (Nest answers its `WsException`). */
@Injectable()
class BrokenGuard {
  canActivate(context: { switchToWs(): { getData(): unknown } }): boolean {
    if ((context.switchToWs().getData() as { deny?: boolean } | undefined)?.deny) return false;
    throw new Error('guard broke');
  }
}

/** A filter of the app's own, on one handler: its answer must stay the app's. */
@Catch()
class AppWsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost) {
    const client = host
      .switchToWs()
      .getClient<{ emit?(...a: unknown[]): void; send?(s: string): void }>();
    const data = { app: 'handled', message: (exception as Error).message };
    if (typeof (client as { readyState?: unknown }).readyState === 'number')
      client.send?.(JSON.stringify({ event: 'app-error', data }));
    else client.emit?.('app-error', data);
  }
}

/** The delay and outcome of one `work` message of the interleaving test. */
export interface WorkOrder {
  n: number;
  delay: number;
  fail: boolean;
}

function gatewayClass(platform: WsPlatform, probe: ServerProbe) {
  // A plain value answers a socket.io message through its ack; `ws` clients get `{ event, data }`.
  const reply = (event: string, data: unknown) =>
    platform === 'ws' ? { event, data } : (data as object);

  @WebSocketGateway()
  class Gateway implements OnGatewayInit, OnGatewayConnection {
    afterInit(server: { use?(fn: (socket: never, next: (e?: Error) => void) => void): void }) {
      if (platform !== 'socket.io') return;
      // socket.io's connection middleware: the user goes in the socket's own bag, `socket.data`.
      server.use?.((socket: { handshake: { auth: { token?: unknown } }; data: object }, next) => {
        const user = verified(socket.handshake.auth.token);
        if (!user) return next(new Error('unauthorized'));
        Object.assign(socket.data, { user });
        next();
      });
    }

    handleConnection(client: object & { user?: unknown; close?(c: number): void }, req?: unknown) {
      const index = probe.connections++;
      finalized.register(client, () => probe.collected.add(index));
      if (platform !== 'ws') return;
      // `ws`: the token comes in the upgrade request's query; the user goes on the WebSocket.
      const url = new URL((req as { url?: string }).url ?? '/', 'http://127.0.0.1');
      const user = verified(url.searchParams.get('token'));
      if (user) client.user = user;
      else client.close?.(4401);
    }

    /** Answers at once: the tests' mark that every message sent before it was handled. */
    @SubscribeMessage('fence')
    fence() {
      return reply('fence', true);
    }

    @SubscribeMessage('boom')
    boom(): never {
      throw new Error('boom');
    }

    @SubscribeMessage('whoami')
    async whoami(@ConnectedSocket() client: { data?: { user?: { sub?: string } } }) {
      const app = (client.data?.user ?? (client as { user?: { sub?: string } }).user)?.sub;
      return reply('whoami', { app, sdk: await getUserAsync() });
    }

    @SubscribeMessage('wsException')
    wsException(@MessageBody() body: unknown): never {
      throw new WsException(
        (body as { object?: boolean } | undefined)?.object ? { code: 7 } : 'no',
      );
    }

    @UseGuards(BrokenGuard)
    @SubscribeMessage('guarded')
    guarded() {
      return reply('guarded', 'unreachable');
    }

    @UseFilters(new AppWsFilter())
    @SubscribeMessage('filtered')
    filtered(): never {
      throw new Error('filtered');
    }

    @SubscribeMessage('work')
    async work(@MessageBody() order: WorkOrder) {
      await new Promise((resolve) => setTimeout(resolve, order.delay));
      if (order.fail) throw new Error(`fail ${order.n}`);
      return reply('work', { n: order.n, sdk: await getUserAsync() });
    }
  }
  return Gateway;
}

/** The app on 127.0.0.1, port 0; `url` is `http://…` (socket.io) or `ws://…/` (`ws`). */
export async function startWsApp(
  platform: WsPlatform,
  withX: boolean,
): Promise<{ app: INestApplication; url: string; probe: ServerProbe }> {
  const probe = newProbe();
  @Module({
    imports: withX ? [XModule.forRoot({ initClient: false })] : [],
    providers: [gatewayClass(platform, probe), BrokenGuard],
  })
  class AppModule {}
  const ref = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = ref.createNestApplication({ logger: false });
  if (platform === 'ws') app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(0, '127.0.0.1');
  const http = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  return { app, url: platform === 'ws' ? `${http.replace('http', 'ws')}/` : http, probe };
}
