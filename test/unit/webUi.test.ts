import { describe, expect, test } from 'vitest';
import { webUiLink } from '../../src/cli/webUi';

describe("trigger's Web UI link: the UI of the server it talked to", () => {
  test.each([
    ['localhost:7233', 'http://localhost:8233'],
    ['127.0.0.1:17300', 'http://127.0.0.1:18300'],
    ['temporal.internal:7233', 'http://temporal.internal:8233'],
    ['[::1]:7233', 'http://[::1]:8233'],
    ['0.0.0.0:7233', 'http://localhost:8233'],
    ['my-ns.a1b2c.tmprl.cloud:7233', 'https://cloud.temporal.io'],
  ])('%s → %s, by the dev server convention (frontend port + 1000)', (address, ui) => {
    expect(webUiLink(address, 'default', 'research-1', {})).toBe(`${ui}/namespaces/default/workflows/research-1`);
  });

  test('KTRDR_WEB_UI names it when the convention does not hold', () => {
    expect(webUiLink('temporal:7233', 'research', 'research-1', { KTRDR_WEB_UI: 'https://ui.example.com/' })).toBe(
      'https://ui.example.com/namespaces/research/workflows/research-1',
    );
  });
});
