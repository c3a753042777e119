/*
 * The two file formats of an import, read as a stream: one record at a time,
 * numbered the way the report names it, and never the whole file in memory.
 *
 * - JSON lines: one object per line; a record's number is its line number
 *   (blank lines are skipped but counted).
 * - CSV (RFC 4180, read by csv-parse): a header row naming the columns, then
 *   one person per record; a record's number counts the header as row 1, so
 *   the first person is row 2 (a quoted field may span lines: the number is
 *   the record's, not the line's).
 */
import { Readable } from 'node:stream';
import { parse, type CsvError, type Options } from 'csv-parse';

/** The formats an import reads. */
export const IMPORT_FORMATS = ['jsonl', 'csv'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The columns a file may have; `email` is required. */
export const IMPORT_COLUMNS = ['email', 'name', 'locale', 'email_verified', 'password_hash', 'totp_secret', 'companies'] as const;

/** A record as read: its fields, or why it could not be read. */
export type SourceRecord = { row: number; fields: Record<string, unknown>; error?: undefined } | { row: number; error: string; field?: string; fields?: undefined };

/** A line or record longer than this is refused (no column needs more; a runaway one must not fill memory). */
export const MAX_RECORD_CHARS = 64 * 1024;

/** The format a file's name implies (`.jsonl`, `.ndjson`, `.csv`), or undefined. */
export function formatOfName(name: string): ImportFormat | undefined {
  if (/\.(jsonl|ndjson)$/i.test(name)) return 'jsonl';
  if (/\.csv$/i.test(name)) return 'csv';
  return undefined;
}

/** The records of a stream of bytes in `format`, in order. */
export function readRecords(source: AsyncIterable<Uint8Array | string>, format: ImportFormat): AsyncGenerator<SourceRecord> {
  return format === 'jsonl' ? readJsonLines(source) : readCsv(source);
}

/** An overlong line, cut off at MAX_RECORD_CHARS. */
const OVERLONG = Symbol('overlong');

/**
 * The lines of a stream of bytes (UTF-8; `\n` or `\r\n`). A line is never
 * held past MAX_RECORD_CHARS: the rest of it is dropped and the line reported,
 * so one runaway line cannot fill memory. An error of the source (a body over
 * its cap) ends the reading with that error.
 */
async function* linesOf(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<string | typeof OVERLONG> {
  const decoder = new TextDecoder();
  let partial = '';
  let overlong = false;
  const take = function* (text: string): Generator<string | typeof OVERLONG> {
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      const line = partial + text.slice(start, end);
      partial = '';
      start = end + 1;
      if (overlong || line.length > MAX_RECORD_CHARS) yield OVERLONG;
      else yield line.endsWith('\r') ? line.slice(0, -1) : line;
      overlong = false;
    }
    partial += text.slice(start);
    if (partial.length > MAX_RECORD_CHARS) {
      overlong = true;
      partial = '';
    }
  };
  for await (const chunk of source) yield* take(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  yield* take(decoder.decode());
  if (overlong) yield OVERLONG;
  else if (partial !== '') yield partial;
}

async function* readJsonLines(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<SourceRecord> {
  let row = 0;
  for await (const line of linesOf(source)) {
    row += 1;
    if (line === OVERLONG) yield { row, error: `line longer than ${MAX_RECORD_CHARS} characters` };
    // A byte order mark some editors write is not part of the first object.
    else yield* jsonLine(row, row === 1 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line);
  }
}

function* jsonLine(row: number, line: string): Generator<SourceRecord> {
  if (line.trim() === '') return;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    yield { row, error: 'malformed JSON' };
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) yield { row, error: 'not a JSON object' };
  else yield { row, fields: value as Record<string, unknown> };
}

async function* readCsv(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<SourceRecord> {
  // Records are counted as the parser meets them, skipped ones included, so
  // a record's number stays right after one the parser could not read.
  let counted = 0;
  const skipped: SourceRecord[] = [];
  const options: Options<{ row: number; fields: string[] }, string[]> = {
    bom: true,
    trim: false,
    skip_empty_lines: true,
    // A record with the wrong number of fields is reported here, with its number.
    relax_column_count: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_CHARS,
    on_record: (fields: string[]) => ({ row: ++counted, fields }),
    on_skip: (error: CsvError | undefined) => {
      skipped.push({ row: ++counted, error: `malformed CSV (${error?.code ?? 'unreadable record'})` });
      return undefined;
    },
  };
  const parser = parse(options as unknown as Options);
  Readable.from(source).on('error', (error) => parser.destroy(error)).pipe(parser);
  let header: string[] | undefined;
  for await (const record of parser as AsyncIterable<{ row: number; fields: string[] }>) {
    while (skipped.length > 0 && skipped[0]!.row < record.row) yield skipped.shift()!;
    if (!header) {
      header = record.fields.map((name) => name.trim().toLowerCase());
      const problem = headerProblem(header);
      if (problem) {
        yield { row: record.row, error: problem };
        parser.destroy();
        return;
      }
      continue;
    }
    if (record.fields.length !== header.length) {
      yield { row: record.row, error: `expected ${header.length} fields, found ${record.fields.length}` };
      continue;
    }
    const fields: Record<string, unknown> = {};
    header.forEach((name, i) => {
      // An empty cell is a column left out.
      if (record.fields[i] !== '') fields[name] = record.fields[i];
    });
    yield { row: record.row, fields };
  }
  yield* skipped;
  if (!header) yield { row: 1, error: 'no header row' };
}

/** What is wrong with a CSV header: a missing `email` column, an unknown or repeated one. */
function headerProblem(header: string[]): string | undefined {
  if (!header.includes('email')) return 'header: no email column';
  const unknown = header.find((name) => !(IMPORT_COLUMNS as readonly string[]).includes(name));
  if (unknown !== undefined) return `header: unknown column "${unknown.slice(0, 40)}"`;
  const repeated = header.find((name, i) => header.indexOf(name) !== i);
  if (repeated !== undefined) return `header: column "${repeated}" appears twice`;
  return undefined;
}
