// nest-demo's TCP microservice, its own process (main.ts starts it): RPC_PORT (0: any free port,
// printed), X_DSN, X_PROPAGATION_KEY and the other @x settings of settings.ts.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { XUserDeserializer } from '@x/nest';
import { RpcModule } from './rpc.module.js';

const app = await NestFactory.createMicroservice<MicroserviceOptions>(RpcModule, {
  transport: Transport.TCP,
  // The deserializer takes @x's sealed user off each packet (the handler's data is untouched).
  options: {
    host: '127.0.0.1',
    port: Number(process.env.RPC_PORT ?? 0),
    deserializer: new XUserDeserializer(),
  },
  logger: ['warn', 'error'],
});
app.enableShutdownHooks();
await app.listen();
const address = (app.unwrap() as { address(): { port: number } }).address();
console.log(`nest-demo-rpc listening on tcp://127.0.0.1:${address.port}`);
