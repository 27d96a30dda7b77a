// The variant part every Nest benchmark server shares: nothing (bare), @x/nest's XModule, or
// @sentry/nestjs's SentryModule with its global filter — and how the runner flushes each, and
// Sentry's setUser (it has no lazy resolver: the app's guard calls it on every request).
import { APP_FILTER } from '@nestjs/core';
import { config } from './common.mjs';

/** The module imports, providers, flush and (Sentry only) setUser of this server's variant. */
export async function nestVariant() {
  const variant = { imports: [], providers: [], flush: undefined, setUser: undefined };
  if (config.variant === 'x') {
    const x = await import('@x/nest');
    variant.imports.push(
      x.XModule.forRoot({ dsn: config.dsn, sendDefaultPii: true, release: 'bench@1' }),
    );
    variant.flush = () => x.flush(10_000);
  } else if (config.variant === 'sentry') {
    const Sentry = await import('@sentry/nestjs');
    const { SentryGlobalFilter, SentryModule } = await import('@sentry/nestjs/setup');
    variant.imports.push(SentryModule.forRoot());
    variant.providers.push({ provide: APP_FILTER, useClass: SentryGlobalFilter });
    variant.flush = () => Sentry.flush(10_000);
    variant.setUser = Sentry.setUser;
  }
  return variant;
}
