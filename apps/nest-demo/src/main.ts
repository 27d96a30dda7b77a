// nest-demo: environment PORT (3002), X_DSN (the local inbox), X_SEND_DEFAULT_PII (true),
// TRUST_PROXY (off), JWT_SECRET, X_PSEUDONYMIZE_KEY (off).
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';

const app = await NestFactory.create<NestExpressApplication>(AppModule, {
  logger: ['warn', 'error'],
});
// Express decides req.ip: X-Forwarded-For counts only behind a trusted proxy.
app.set(
  'trust proxy',
  ['1', 'true', 'yes'].includes((process.env.TRUST_PROXY ?? '').toLowerCase()),
);
app.enableShutdownHooks(); // SIGTERM/SIGINT: @x delivers what it captured before exit
await app.listen(Number(process.env.PORT ?? 3002), process.env.HOST ?? '127.0.0.1');
console.log(`nest-demo listening on ${(await app.getUrl()).replace('[::1]', '127.0.0.1')}`);
