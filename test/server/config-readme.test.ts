/*
 * The README's configuration table is the operator's reference: it lists every
 * setting the code reads, with the default the code applies. The other
 * sections' tables of settings agree with the code wherever they name one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SETTINGS, type Setting } from '../../server/config.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** A row of a settings table: the variable and its default, as written. */
interface Row {
  variable: string;
  default: string;
  line: number;
}

/** Splits a table row into its cells (a `\|` inside a cell is not a border). */
function cells(line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).map((cell) => cell.trim());
}

/**
 * Every table in `markdown` whose header starts with a `variable` or `setting`
 * column and has a `default` column. `offset` is the line number `markdown`
 * starts at, for messages.
 */
function settingTables(markdown: string, offset = 1): Row[][] {
  const lines = markdown.split('\n');
  const tables: Row[][] = [];
  for (let i = 0; i < lines.length; i++) {
    const header = lines[i]!.startsWith('|') ? cells(lines[i]!) : [];
    const at = header.indexOf('default');
    if (!['variable', 'setting'].includes(header[0] ?? '') || at < 0 || !/^\|[\s|:-]+\|$/.test(lines[i + 1] ?? '')) continue;
    const rows: Row[] = [];
    for (i += 2; lines[i]?.startsWith('|'); i++) {
      const row = cells(lines[i]!);
      rows.push({ variable: row[0]!, default: row[at] ?? '', line: offset + i });
    }
    tables.push(rows);
  }
  return tables;
}

/** The README section under a `## ` heading, and the line it starts at. */
function section(title: string): { text: string; line: number } {
  const start = README.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README.md has a "## ${title}" section`);
  const end = README.indexOf('\n## ', start + 1);
  return { text: README.slice(start + 1, end < 0 ? undefined : end), line: README.slice(0, start + 1).split('\n').length };
}

/** Text to compare: no code spans, one space between words; "—", "-" or nothing for no default. */
function normalise(text: string): string {
  const plain = text.replaceAll('`', '').replace(/\s+/g, ' ').trim();
  return plain === '—' || plain === '-' ? '' : plain;
}

/** The default the code applies to an unset variable, as the README writes it ('' for none). */
function codeDefault(setting: Setting): string {
  const parsed = setting.schema.safeParse(undefined);
  const value: unknown = parsed.success ? parsed.data : undefined;
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return setting.fallback ?? '';
  return Array.isArray(value) ? value.join(',') : String(value);
}

const byVariable = new Map(Object.values(SETTINGS).map((setting: Setting) => [setting.env, setting]));

/** A variable cell holds one variable, in a code span. */
function variableOf(row: Row): string {
  const match = /^`([A-Z][A-Z0-9_]*)`$/.exec(row.variable);
  assert.ok(match, `README.md line ${row.line}: one variable per row, as \`NAME\`, not ${row.variable}`);
  return match[1]!;
}

describe('README configuration table', () => {
  const configuration = section('Configuration');
  const tables = settingTables(configuration.text, configuration.line);

  it('is one table of variables and defaults', () => {
    assert.equal(tables.length, 1, 'the Configuration section has one table with a variable and a default column');
  });

  const rows = tables[0] ?? [];

  it('lists every setting the code reads, once', () => {
    const listed = rows.map(variableOf);
    const twice = listed.filter((variable, i) => listed.indexOf(variable) !== i);
    assert.deepEqual(twice, [], 'listed more than once');
    const missing = [...byVariable.keys()].filter((variable) => !listed.includes(variable));
    assert.deepEqual(missing, [], 'settings in server/config/settings.ts that the README does not list');
  });

  it('lists no variable the code does not read', () => {
    const unknown = rows.map(variableOf).filter((variable) => !byVariable.has(variable));
    assert.deepEqual(unknown, [], 'variables in the README that server/config/settings.ts does not have');
  });

  it("gives each setting the code's default", () => {
    const wrong = rows
      .filter((row) => byVariable.has(variableOf(row)))
      .map((row) => ({ variable: variableOf(row), line: row.line, readme: normalise(row.default), code: codeDefault(byVariable.get(variableOf(row))!) }))
      .filter(({ readme, code }) => readme !== code);
    assert.deepEqual(wrong, [], 'defaults that differ (README vs code; "" is none)');
  });
});

describe("README's tables of settings in every section", () => {
  const rows = settingTables(README).flat();

  it('name only settings the code reads', () => {
    const unknown = rows.map(variableOf).filter((variable) => !byVariable.has(variable));
    assert.deepEqual(unknown, []);
  });

  it("agree with the code's default wherever the code has one", () => {
    const wrong = rows
      .filter((row) => byVariable.has(variableOf(row)))
      .map((row) => ({ variable: variableOf(row), line: row.line, readme: normalise(row.default), code: codeDefault(byVariable.get(variableOf(row))!) }))
      .filter(({ readme, code }) => code !== '' && readme !== code);
    assert.deepEqual(wrong, [], 'defaults that differ (README vs code)');
  });
});
