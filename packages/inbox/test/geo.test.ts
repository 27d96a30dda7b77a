// Geo lookups: the bundled DB-IP Lite data, and the record mapping for MaxMind City databases.
import { describe, expect, it } from 'vitest';
import { geoFromRecord, openGeoLookup } from '../src/index';

describe('openGeoLookup (bundled DB-IP Lite)', () => {
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
