'use strict';
// The organisers' attendee CSV (the same format as `parley attendees import`, clients/CLI.md),
// as ImportRows ({row_number, attendee}).
//
// RFC 4180: quoted fields may hold commas, doubled quotes and line breaks; CRLF or LF; a UTF-8
// BOM is skipped; blank lines are skipped. The header names the columns in any order,
// case-insensitive; external_id and name are required. Lists are ';'-separated, an interest may
// carry a weight 1-3 as `books:3` (only a trailing `:1`-`:3`; other colons belong to the tag), budget empty = the event's default, prefers_quiet
// true/false/yes/no/1/0. Only the header can fail the file (an Error); a bad row is reported in
// `rejected` and never stops the rest. The server validates content and answers per row.

const fs = require('node:fs');

const COLUMNS = [
  'external_id',
  'name',
  'email',
  'phone',
  'organisation',
  'role',
  'bio',
  'interests',
  'offers',
  'seeks',
  'languages',
  'budget',
  'availability',
  'person_ref',
  'wants',
  'avoid',
  'avoid_organisations',
  'prefers_quiet',
];
const TEXT = {
  external_id: 'external_id',
  name: 'display_name',
  email: 'email',
  phone: 'phone',
  organisation: 'organisation',
  role: 'role',
  bio: 'bio',
  person_ref: 'person_ref',
};
const LISTS = [
  'offers',
  'seeks',
  'languages',
  'availability',
  'wants',
  'avoid',
  'avoid_organisations',
];

// Splits CSV text into records: {fields, line (1-based start line), error}.
function* csvRecords(text) {
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields = [];
    let field = '';
    let error = '';
    for (;;) {
      if (text[i] === '"' && field === '') {
        // A quoted field: up to the closing quote; "" is a quote.
        i += 1;
        let closed = false;
        while (i < text.length) {
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i += 1;
            closed = true;
            break;
          }
          if (c === '\n') line += 1;
          field += c;
          i += 1;
        }
        if (!closed) error = 'unterminated quoted field';
        else if (i < text.length && !',\r\n'.includes(text[i])) {
          error = 'text after a closing quote';
          while (i < text.length && !',\r\n'.includes(text[i])) i += 1;
        }
      } else {
        while (i < text.length && !',\r\n'.includes(text[i])) {
          field += text[i];
          i += 1;
        }
      }
      fields.push(field);
      field = '';
      if (text[i] === ',') {
        i += 1;
        continue;
      }
      if (text[i] === '\r') i += 1;
      if (text[i] === '\n') i += 1;
      line += 1;
      break;
    }
    yield { fields, line: start, error };
  }
}

function parseList(text) {
  return text
    .split(';')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

// {tag, weight} of one interest; weight 0 when none is given (the server's default, 1). Only a
// trailing ':1', ':2' or ':3' (spaces allowed around it) is a weight; any other colon is part of
// the tag ('n:m sparsity:2' -> 'n:m sparsity' weight 2; 'books:9' is a tag). The same rule as
// the C++ client's ParseInterests and the Python reader.
function parseInterest(item) {
  const match = /^(.*?)\s*:\s*([123])\s*$/s.exec(item);
  if (match) return { tag: match[1].trim(), weight: Number(match[2]) };
  return { tag: item, weight: 0 };
}

// Sets the field of `column` from `cell`; returns an error, or '' if the cell is fine.
function apply(column, cell, attendee) {
  if (column in TEXT) {
    if ((column === 'external_id' || column === 'name') && cell === '')
      return `${column}: required`;
    attendee[TEXT[column]] = cell;
  } else if (LISTS.includes(column)) {
    attendee[column] = parseList(cell);
  } else if (column === 'interests') {
    attendee.interests = [];
    for (const item of parseList(cell)) {
      const { tag, weight } = parseInterest(item);
      if (tag === '') return `interests: empty tag in "${item}"`;
      attendee.interests.push(weight ? { tag, weight } : { tag });
    }
  } else if (column === 'budget') {
    if (cell !== '') {
      if (!/^[0-9]+$/.test(cell)) return `budget: "${cell}" is not a non-negative integer`;
      attendee.budget = Number(cell);
    }
  } else if (column === 'prefers_quiet') {
    const value = cell.toLowerCase();
    if (['true', 'yes', '1'].includes(value)) attendee.prefers_quiet = true;
    else if (!['', 'false', 'no', '0'].includes(value)) {
      return `prefers_quiet: "${cell}" is not true or false`;
    }
  }
  return '';
}

function mapHeader(record) {
  const columns = [];
  const unknown = [];
  const repeated = [];
  record.fields.forEach((field, index) => {
    const name = field.trim().toLowerCase();
    if (!COLUMNS.includes(name)) unknown.push(`"${field}" (column ${index + 1})`);
    else if (columns.includes(name)) repeated.push(`"${name}"`);
    columns.push(name);
  });
  const problems = [];
  if (record.error) problems.push(record.error);
  if (unknown.length) problems.push(`unknown columns: ${unknown.join(', ')}`);
  if (repeated.length) problems.push(`repeated columns: ${repeated.join(', ')}`);
  const missing = ['external_id', 'name'].filter((c) => !columns.includes(c)).map((c) => `"${c}"`);
  if (missing.length) problems.push(`missing required columns: ${missing.join(', ')}`);
  if (problems.length) {
    throw new Error(
      `header (line ${record.line}): ${problems.join('; ')} ` +
        `(known columns: ${COLUMNS.join(', ')})`,
    );
  }
  return columns;
}

// Parses a whole file's text: {rows: [{row_number, attendee}], rejected: [{row_number, line,
// external_id, error}]}.
function parseAttendeeCsv(text) {
  if (text.startsWith('\ufeff')) text = text.slice(1);
  const records = csvRecords(text);
  const first = records.next();
  if (first.done) throw new Error('empty file: expected a header row');
  const columns = mapHeader(first.value);
  const idIndex = columns.indexOf('external_id');
  const result = { rows: [], rejected: [] };
  let rowNumber = 0;
  for (const record of records) {
    if (!record.error && record.fields.length === 1 && record.fields[0] === '') continue;
    rowNumber += 1;
    const errors = [];
    const attendee = {};
    if (record.error) {
      errors.push(record.error);
    } else if (record.fields.length !== columns.length) {
      errors.push(
        `expected ${columns.length} fields as in the header, found ${record.fields.length}`,
      );
    } else {
      columns.forEach((column, index) => {
        const error = apply(column, record.fields[index].trim(), attendee);
        if (error) errors.push(error);
      });
    }
    if (errors.length === 0) {
      result.rows.push({ row_number: rowNumber, attendee });
      continue;
    }
    result.rejected.push({
      row_number: rowNumber,
      line: record.line,
      external_id: idIndex < record.fields.length ? record.fields[idIndex].trim() : '',
      error: `row ${rowNumber} (line ${record.line}): ${errors.join('; ')}`,
    });
  }
  return result;
}

// Reads and parses a CSV file (UTF-8, with or without a BOM).
function readAttendeeCsv(path) {
  return parseAttendeeCsv(fs.readFileSync(path, 'utf8'));
}

module.exports = { COLUMNS, parseAttendeeCsv, readAttendeeCsv, parseList, parseInterest };
