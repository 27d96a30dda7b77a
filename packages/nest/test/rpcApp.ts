// A Nest TCP microservice and an Express app that calls it, for the rpc tests. Each call of a
// factory makes classes of its own: @x puts its interceptor on the handler methods' metadata, so a
// microservice built without XModule must not share them with one built with it.
import type { AddressInfo, Server } from 'node:net';
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  Param,
  Query,
  UseGuards,
  UsePipes,
  ValidationPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  type ClientProxy,
  ClientProxyFactory,
  ClientsModule,
  EventPattern,
  MessagePattern,
  type MicroserviceOptions,
  Payload,
  RpcException,
  Transport,
} from '@nestjs/microservices';
import { PassportModule } from '@nestjs/passport';
import { ExpressAdapter } from '@nestjs/platform-express';
import { IsInt, IsString } from 'class-validator';
import jsonwebtoken from 'jsonwebtoken';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import {
  BackgroundHandler,
  getEventUser,
  withUser,
  XModule,
  type XModuleOptions,
  XUserDeserializer,
} from '../src/index.js';
import { JwtStrategy, OptionalJwtGuard, SECRET } from './app.js';

export const PROPAGATION_KEY = 'rpc-test-propagation-key-0123456789abcdef';

/** What a handler's `data` looked like when it arrived. */
export const seenData: unknown[] = [];

/** The payload of `{ cmd: 'strict' }`, checked by a strict ValidationPipe. */
export class StrictDto {
  @IsString() name!: string;
  @IsInt() count!: number;
}

/** A few random turns of the event loop, so that messages in flight interleave. */
async function randomAwaits(): Promise<void> {
  for (let i = Math.floor(Math.random() * 3); i >= 0; i--) {
    await new Promise((resolve) =>
      Math.random() < 0.5 ? setImmediate(resolve) : setTimeout(resolve, Math.random() * 5),
    );
  }
}

interface Message {
  who?: string;
  error?: string | object;
}

/** A guard that crashes: its error reaches no interceptor, only the exception filters. */
@Injectable()
class CrashingGuard {
  canActivate(): boolean {
    throw new Error('guard crashed');
  }
}

/** The microservice's module: with XModule (`x`), or plain Nest. `relay()` is a client to itself. */
export function microserviceModule(x: XModuleOptions | undefined, relay: () => ClientProxy) {
  @Controller()
  class MathController {
    @MessagePattern({ cmd: 'boom' })
    async boom(@Payload() data: Message): Promise<never> {
      seenData.push(data);
      await randomAwaits();
      throw new Error(`boom ${data.who ?? ''}`.trim());
    }

    @MessagePattern({ cmd: 'whoami' })
    async whoami(@Payload() data: unknown) {
      seenData.push(data);
      return { user: await getEventUser() };
    }

    @MessagePattern({ cmd: 'echo' })
    echo(@Payload() data: unknown) {
      return data;
    }

    @MessagePattern({ cmd: 'strict' })
    @UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }))
    strict(@Payload() dto: StrictDto) {
      return { name: dto.name, count: dto.count, isDto: dto instanceof StrictDto };
    }

    @MessagePattern({ cmd: 'rpcError' })
    rpcError(@Payload() data: Message): never {
      throw new RpcException(data.error ?? 'nope');
    }

    @MessagePattern({ cmd: 'guarded' })
    @UseGuards(CrashingGuard)
    guarded(): string {
      return 'unreachable';
    }

    @MessagePattern('background')
    @BackgroundHandler({ tags: { job: 'rpc' } })
    async background(@Payload() data: Message): Promise<never> {
      await randomAwaits();
      throw new Error(`background ${data.who ?? ''}`.trim());
    }

    @MessagePattern({ cmd: 'relay' })
    relay(@Payload() data: Message) {
      return withUser(relay()).send({ cmd: 'boom' }, { who: `relayed ${data.who ?? ''}`.trim() });
    }

    @EventPattern('order.paid')
    async paid(@Payload() data: Message): Promise<void> {
      seenData.push(data);
      await randomAwaits();
      throw new Error(`paid ${data.who ?? ''}`.trim());
    }
  }

  @Module({ imports: x ? [XModule.forRoot(x)] : [], controllers: [MathController] })
  class MicroserviceModule {}
  return MicroserviceModule;
}

/** A started TCP microservice on 127.0.0.1 and the port it got. */
export interface Started {
  close(): Promise<void>;
  port: number;
}

/** Starts the microservice (with XModule and `XUserDeserializer` when `x` is given). */
export async function startMicroservice(x: XModuleOptions | undefined): Promise<Started> {
  let self: ClientProxy | undefined;
  const relay = () => {
    self ??= tcpClient(port);
    return self;
  };
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(
    microserviceModule(x, relay),
    {
      transport: Transport.TCP,
      options: {
        host: '127.0.0.1',
        port: 0,
        ...(x ? { deserializer: new XUserDeserializer() } : {}),
      },
      logger: false,
    },
  );
  await app.listen();
  const port = (app.unwrap<Server>().address() as AddressInfo).port;
  return {
    port,
    async close() {
      await self?.close();
      await app.close();
    },
  };
}

/**
 * The same handlers in a hybrid app (an HTTP app with `connectMicroservice`, Nest's default: the
 * microservice does not inherit the app's global filters, so @x's global filter never sees its
 * errors), with XModule and `XUserDeserializer`.
 */
export async function startHybrid(x: XModuleOptions): Promise<Started> {
  let self: ClientProxy | undefined;
  const relay = () => {
    self ??= tcpClient(port);
    return self;
  };
  const app = await NestFactory.create(microserviceModule(x, relay), new ExpressAdapter(), {
    logger: false,
  });
  const microservice = app.connectMicroservice<MicroserviceOptions>({
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port: 0, deserializer: new XUserDeserializer() },
  });
  await app.init();
  await app.startAllMicroservices();
  const port = (microservice.unwrap<Server>().address() as AddressInfo).port;
  return {
    port,
    async close() {
      await self?.close();
      await app.close();
    },
  };
}

/** A plain Nest TCP client of the microservice. */
export function tcpClient(port: number, serializer?: { serialize(value: unknown): unknown }) {
  return ClientProxyFactory.create({
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port, ...(serializer ? { serializer } : {}) },
  });
}

/** The HTTP app (Express, passport-jwt) whose routes call the microservice through `withUser`. */
export function callerModule(port: number, x: XModuleOptions) {
  @Controller('rpc')
  @UseGuards(OptionalJwtGuard)
  class CallerController {
    private readonly client: ClientProxy;
    constructor(@Inject('MATH') client: ClientProxy) {
      this.client = withUser(client);
    }

    @Get('event/:name')
    async event(@Param('name') name: string, @Query('who') who?: string) {
      await lastValueFrom(this.client.emit(name, { who }), { defaultValue: undefined });
      return { sent: true };
    }

    @Get(':cmd')
    async call(@Param('cmd') cmd: string, @Query('who') who?: string) {
      const pattern = cmd === 'background' ? cmd : { cmd };
      return firstValueFrom(this.client.send(pattern, { who })).then(
        (value: unknown) => ({ value }),
        (error: unknown) => ({ error }),
      );
    }
  }

  @Module({
    imports: [
      XModule.forRoot(x),
      PassportModule,
      ClientsModule.register([
        { name: 'MATH', transport: Transport.TCP, options: { host: '127.0.0.1', port } },
      ]),
    ],
    controllers: [CallerController],
    providers: [JwtStrategy],
  })
  class CallerModule {}
  return CallerModule;
}

/** Starts the HTTP app on 127.0.0.1; `url` is its base URL. */
export async function startCaller(port: number, x: XModuleOptions) {
  const app = await NestFactory.create(callerModule(port, x), new ExpressAdapter(), {
    logger: false,
  });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  return { app, url };
}

/** A Bearer token for a user `u-<name>` (username `name-<name>`, email `<name>@example.com`). */
export function bearer(name: string): { authorization: string } {
  const token = jsonwebtoken.sign(
    { sub: `u-${name}`, username: `name-${name}`, email: `${name}@example.com` },
    SECRET,
  );
  return { authorization: `Bearer ${token}` };
}
