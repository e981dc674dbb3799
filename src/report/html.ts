/**
 * HTML built from templates that escape every value put into them, so that a strategy's name,
 * an assessment written by Claude or a cost's source text can never become markup. Only what
 * another `html` template made is inserted as it is.
 */

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** What a template takes: text and numbers (escaped), fragments, lists of them, and nothing. */
type Value = Html | string | number | undefined | null | false | Value[];

function fragment(value: Value): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(fragment).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

/** `html\`<td>${text}</td>\``: text is escaped; Html values and arrays of them are inserted; undefined, null and false are nothing. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  return new Html(strings.reduce((out, s, i) => out + fragment(values[i - 1]) + s));
}

/**
 * JSON inside a <script> element: `<` is written as \u003c, which JSON.parse reads back as `<`,
 * so no string in the data can close the element (`</script>`) or open a comment.
 */
export const scriptJson = (value: unknown) => new Html(JSON.stringify(value).replace(/</g, '\\u003c'));
