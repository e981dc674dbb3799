/**
 * A strategy's problems, each located in its YAML: the path, the line it sits on (also for a file
 * that does not parse), and how it is shown.
 */
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { closestNames } from '../engine/features/indicators/closestNames';

/** One thing wrong (or worth knowing) about a strategy, located in its YAML. */
export interface Problem {
  severity: 'error' | 'warning';
  /** YAML path, e.g. `fuzzy_sets.rsi_14.oversold.parameters` */
  path: string;
  /** 1-based line in the file, when the path (or its nearest parent) is in the file. */
  line?: number;
  message: string;
}

export type PathSegment = string | number;

/** A parsed YAML file that can say on which line any path sits. */
export class YamlSource {
  readonly doc: Document;
  private readonly lines = new LineCounter();

  constructor(readonly text: string) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: true, uniqueKeys: true });
  }

  /**
   * The first syntax error, as one problem quoting its line (later ones are mostly its
   * echoes). The parser notices an unclosed `[`, `{` or quote only where the text goes on
   * without it, so the line quoted is the one that opened it; a blank line is not worth
   * quoting either, the nearest one above it with text is.
   */
  syntaxProblems(): Problem[] {
    const [first] = this.doc.errors;
    if (!first) return [];
    const lines = this.text.split(/\r?\n/);
    const reason = first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    const line = culpritLine(lines, first.linePos?.[0].line ?? 1, reason);
    const quoted = lines[line - 1]?.trim();
    return [{ severity: 'error', path: '', line, message: `YAML: ${reason}${quoted ? `: \`${quoted}\`` : ''}` }];
  }

  /** The line of the key (or item) at `path`, or of its nearest ancestor present in the file. */
  lineOf(path: readonly PathSegment[]): number | undefined {
    for (let depth = path.length; depth >= 0; depth--) {
      const parent = depth > 0 ? this.doc.getIn(path.slice(0, depth - 1), true) : undefined;
      // a mapping entry is located by its key: its value may start on the next line
      const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === path[depth - 1]) : undefined;
      const node = pair ? pair.key : this.doc.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) return this.lines.linePos(node.range[0]).line;
    }
    return undefined;
  }

  problem(path: readonly PathSegment[], message: string, severity: Problem['severity'] = 'error'): Problem {
    return { severity, path: path.join('.'), line: this.lineOf(path), message };
  }

  /**
   * zod issues as problems; an unknown key becomes one problem per key, at that key's line,
   * with the closest of the keys that may be there (`knownKeys`).
   */
  zodProblems(
    issues: readonly z.core.$ZodIssue[],
    knownKeys: (path: readonly PathSegment[]) => string[] = () => [],
    prefix: readonly PathSegment[] = [],
  ): Problem[] {
    const at = (issue: z.core.$ZodIssue) => [...prefix, ...(issue.path as PathSegment[])];
    const guesses = new Map<string, string[]>();
    for (const issue of issues) {
      if (issue.code !== 'unrecognized_keys') continue;
      const known = knownKeys(at(issue)).map((k) => [k, k] as const);
      for (const key of issue.keys) guesses.set([...at(issue), key].join('.'), closestNames(key, known));
    }
    // a misspelt required key is also a missing one: its "did you mean" says both
    const meant = new Set([...guesses].flatMap(([unknown, close]) => (close.length ? [[...unknown.split('.').slice(0, -1), close[0]].join('.')] : [])));
    return issues.flatMap((issue) => {
      const path = at(issue);
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => {
          const close = guesses.get([...path, key].join('.')) ?? [];
          return this.problem([...path, key], `unknown key '${key}'${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}`);
        });
      }
      if (issue.code === 'invalid_union' && issue.errors.length) return this.zodProblems(issue.errors[0], knownKeys, path);
      if (issue.code === 'invalid_type' && issue.input === undefined && meant.has(path.join('.'))) return [];
      return [this.problem(path, issue.message)];
    });
  }
}

/** What an unclosed-construct error says, and how to tell the line that left it open. */
const UNCLOSED: [RegExp, (line: string) => boolean][] = [
  [/end with a \]/, (l) => count(l, '[') > count(l, ']')],
  [/end with a \}/, (l) => count(l, '{') > count(l, '}')],
  [/closing "quote/, (l) => count(l, '"') % 2 === 1],
  [/closing 'quote/, (l) => count(l, "'") % 2 === 1],
];

const count = (line: string, char: string) => line.split(char).length - 1;

function culpritLine(lines: string[], reported: number, reason: string): number {
  const opened = UNCLOSED.find(([pattern]) => pattern.test(reason))?.[1];
  for (let n = Math.min(reported, lines.length); n >= 1; n--) {
    if (opened ? opened(lines[n - 1]) : lines[n - 1].trim()) return n;
  }
  return reported;
}

export const formatProblem = (file: string, p: Problem): string =>
  `${file}${p.line ? `:${p.line}` : ''}: ${p.severity}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
