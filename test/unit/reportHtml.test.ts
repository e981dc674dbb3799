import { expect, test } from 'vitest';
import { html, scriptJson } from '../../src/report/html';

test('text put into a template is escaped; a fragment made by a template is not escaped twice', () => {
  const name = `<b>"Tom" & 'Jerry'</b>`;
  const cell = html`<td title="${name}">${name}</td>`;
  expect(cell.text).toBe('<td title="&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;">&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;</td>');
  const row = [cell, cell];
  // Prettier lays out the markup of html`` templates; this one is compared as it is written.
  // prettier-ignore
  expect(html`<tr>${row}</tr>`.text).toBe(`<tr>${cell.text}${cell.text}</tr>`);
  expect(html`<p>${undefined}${null}${false}${0}</p>`.text).toBe('<p>0</p>');
});

test('JSON inside a script element cannot close it, and reads back the same', () => {
  const data = { text: '</script><script>alert(1)</script><!--' };
  const inlined = scriptJson(data).text;
  expect(inlined).not.toContain('<');
  expect(JSON.parse(inlined)).toEqual(data);
});
