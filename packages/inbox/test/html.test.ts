// The web UI's escaper: every interpolated value is escaped unless it is already SafeHtml.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, html, raw, SafeHtml } from '../src/ui/html';

const decode = (text: string) =>
  text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');

describe('html', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
    const name = '<img src=x onerror=alert(1)>';
    expect(html`<td title="${name}">${name}</td>`.value).toBe(
      '<td title="&lt;img src=x onerror=alert(1)&gt;">&lt;img src=x onerror=alert(1)&gt;</td>',
    );
  });

  it('nests html results unescaped, joins arrays, and renders null, undefined and false as nothing', () => {
    const items = ['a<b', 'c'].map((item) => html`<li>${item}</li>`);
    expect(html`<ul>${items}</ul>`.value).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
    expect(html`[${null}${undefined}${false}${0}${true}]`.value).toBe('[0true]');
    expect(html`${raw('<br>')}`.value).toBe('<br>');
    expect(html`${[['<', html`<i>`]]}`.value).toBe('&lt;<i>');
    expect(String(html`<b>${'&'}</b>`)).toBe('<b>&amp;</b>');
  });

  it('does not trust objects that only look like SafeHtml', () => {
    const fake = { value: '<script>', toString: () => '<script>' };
    expect(html`${fake}`.value).toBe('&lt;script&gt;');
    expect(html`${new SafeHtml('<ok>')}`.value).toBe('<ok>');
  });

  it('never lets markup through, and the escaped text reads back as the input (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string(), (text, attr) => {
        const out = html`<p title="${attr}">${text}</p>`.value;
        const inner = out.slice(out.indexOf('>') + 1, out.lastIndexOf('</p>'));
        const title = out.slice('<p title="'.length, out.indexOf('">'));
        expect(inner).not.toMatch(/[<>"']/);
        expect(title).not.toMatch(/[<>"']/);
        expect(decode(inner)).toBe(text);
        expect(decode(title)).toBe(attr);
      }),
      { numRuns: 500 },
    );
  });
});
