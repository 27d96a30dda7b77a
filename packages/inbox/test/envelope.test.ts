import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '../src/envelope';
import { HttpError } from '../src/httpError';

const text = (items: { payload: Buffer }[]) => items.map((item) => item.payload.toString('utf8'));

describe('parseEnvelope', () => {
  it('reads items with and without length, multi-byte payloads and a trailing newline', () => {
    const body = Buffer.from(
      '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n' +
        '{"type":"attachment","length":6}\nä\n€\n' +
        '{"type":"event"}\n{"message":"hi"}\n' +
        '{"type":"client_report","length":2}\n{}\n',
    );
    const envelope = parseEnvelope(body);
    expect(envelope.header).toEqual({ event_id: '9ec79c33ec9942ab8353589fcb2e04dc' });
    expect(envelope.items.map((item) => item.header.type)).toEqual([
      'attachment',
      'event',
      'client_report',
    ]);
    expect(text(envelope.items)).toEqual(['ä\n€', '{"message":"hi"}', '{}']);
  });

  it('accepts a header-only envelope and a last payload without newline', () => {
    expect(parseEnvelope(Buffer.from('{}')).items).toEqual([]);
    expect(text(parseEnvelope(Buffer.from('{}\n{"type":"event"}\n{"a":1}')).items)).toEqual([
      '{"a":1}',
    ]);
  });

  it.each([
    ['', 'malformed envelope: envelope header is not valid JSON'],
    ['[1]\n', 'malformed envelope: envelope header is not a JSON object'],
    ['{}\nnot json\n', 'malformed envelope: item 1 header is not valid JSON'],
    ['{}\n{"length":2}\n{}', 'malformed envelope: item 1 header has no "type"'],
    ['{}\n{"type":"event","length":-1}\n', 'malformed envelope: item 1 has an invalid "length"'],
    [
      '{}\n{"type":"event","length":99}\n{}',
      'malformed envelope: item 1 declares 99 bytes but only 2 follow',
    ],
    [
      '{}\n{"type":"event","length":1}\n{}\n',
      'malformed envelope: item 1 payload is not followed by a newline',
    ],
  ])('rejects %j', (input, detail) => {
    let error: unknown;
    try {
      parseEnvelope(Buffer.from(input));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HttpError);
    expect({ status: (error as HttpError).status, detail: (error as HttpError).message }).toEqual({
      status: 400,
      detail,
    });
  });
});
