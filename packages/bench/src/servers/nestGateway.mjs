// A Nest socket.io gateway (Nest's default IoAdapter on Express): the user is set once per
// connection, in handleConnection, from the handshake's token; each `hello` message answers the
// user through its ack. Two variants: bare, and @x/nest (XModule, nothing else), which runs each
// message in its own isolation scope with the connection's user. Plain JS: decorators applied as
// functions.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConnectedSocket, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { authenticate, config, fail, ready } from './common.mjs';
import { nestVariant } from './nestVariant.mjs';

const { imports, flush } = await nestVariant();

class HelloGateway {
  handleConnection(client) {
    client.data.user = authenticate(`Bearer ${client.handshake.auth?.token}`);
    if (!client.data.user) client.disconnect(true);
  }

  hello(client) {
    if (config.mode === 'error') fail();
    return client.data.user;
  }
}
ConnectedSocket()(HelloGateway.prototype, 'hello', 0);
SubscribeMessage('hello')(
  HelloGateway.prototype,
  'hello',
  Object.getOwnPropertyDescriptor(HelloGateway.prototype, 'hello'),
);
WebSocketGateway()(HelloGateway);

class AppModule {}
Module({ imports, providers: [HelloGateway] })(AppModule);

const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0, '127.0.0.1');
ready(app.getHttpServer().address().port, flush);
