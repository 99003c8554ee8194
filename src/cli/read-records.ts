import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

/** One record of the input: where it stands (`line 7`, `index 6`), and its JSON value or what is wrong. */
export type InputRecord = { position: string; value: unknown } | { position: string; problem: string };

/**
 * Reads a JSON array or JSON Lines (told apart by the first character that is not white space) a
 * chunk at a time, so that no more than one chunk and one record are held. Blank lines are
 * skipped; lines count from 1, array elements from 0. `onBytes` hears how many bytes were read.
 */
export async function* readRecords(input: Readable, onBytes: (bytes: number) => void): AsyncGenerator<InputRecord[]> {
  const decoder = new StringDecoder('utf8');
  let parser: Parser | undefined;
  let start = '';
  let bytes = 0;
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buffer.length;
    onBytes(bytes);
    let text = decoder.write(buffer);
    if (parser === undefined) {
      text = (start + text).replace(/^\uFEFF/, '');
      const first = /\S/.exec(text)?.[0];
      if (first === undefined) {
        start = text;
        continue;
      }
      parser = first === '[' ? new ArrayParser() : new LinesParser();
    }
    yield parser.push(text);
  }
  yield [...(parser?.push(decoder.end()) ?? []), ...(parser?.end() ?? [])];
}

interface Parser {
  push(text: string): InputRecord[];
  end(): InputRecord[];
}

class LinesParser implements Parser {
  #pending = '';
  #line = 0;

  push(text: string): InputRecord[] {
    const records: InputRecord[] = [];
    let from = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', from)) {
      this.#add(records, this.#pending + text.slice(from, newline));
      this.#pending = '';
      from = newline + 1;
    }
    this.#pending += text.slice(from);
    return records;
  }

  end(): InputRecord[] {
    const records: InputRecord[] = [];
    if (this.#pending !== '') this.#add(records, this.#pending);
    return records;
  }

  #add(records: InputRecord[], line: string): void {
    this.#line++;
    if (line.trim() !== '') records.push(parseJson(`line ${this.#line}`, line));
  }
}

const enum State {
  Open, // before '[' or after ','
  Element,
  Closed,
  Trailing, // something after ']', reported once
}

/** Splits a JSON array into its elements by depth, outside strings, and parses each alone. */
class ArrayParser implements Parser {
  #state = State.Open;
  #started = false;
  #index = 0;
  #pending = '';
  #depth = 0;
  #inString = false;
  #escaped = false;

  push(text: string): InputRecord[] {
    const records: InputRecord[] = [];
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.#state === State.Element) {
        if (this.#inString) {
          if (this.#escaped) this.#escaped = false;
          else if (c === 0x5c) this.#escaped = true;
          else if (c === 0x22) this.#inString = false;
          continue;
        }
        if (c === 0x22) this.#inString = true;
        else if (c === 0x7b || c === 0x5b) this.#depth++;
        else if ((c === 0x2c || c === 0x5d) && this.#depth === 0) {
          records.push(this.#element(this.#pending + text.slice(from, i)));
          this.#state = c === 0x2c ? State.Open : State.Closed;
        } else if (c === 0x7d || c === 0x5d) this.#depth = Math.max(0, this.#depth - 1);
        continue;
      }
      if (this.#state === State.Trailing || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
      if (this.#state === State.Closed) {
        this.#state = State.Trailing;
        records.push({ position: `after index ${this.#index - 1}`, problem: 'there is more after the closing ]' });
        continue;
      }
      if (!this.#started) {
        this.#started = true;
        continue; // the opening '['
      }
      if (c === 0x5d && this.#index === 0) {
        this.#state = State.Closed;
        continue;
      }
      this.#state = State.Element;
      this.#pending = '';
      from = i;
      i--;
    }
    if (this.#state === State.Element) this.#pending += text.slice(from);
    return records;
  }

  end(): InputRecord[] {
    if (this.#state === State.Closed || this.#state === State.Trailing) return [];
    return [{ position: `index ${this.#index}`, problem: 'the input ends before the array is closed with ]' }];
  }

  #element(text: string): InputRecord {
    const position = `index ${this.#index++}`;
    this.#depth = 0;
    this.#pending = '';
    const element = text.trim();
    return element === '' ? { position, problem: 'an empty element (two commas, or one before ])' } : parseJson(position, element);
  }
}

/** JSON.parse, with a message that never quotes the input (it may hold a raw token; V8's messages do). */
function parseJson(position: string, text: string): InputRecord {
  try {
    return { position, value: JSON.parse(text) };
  } catch {
    return { position, problem: 'not valid JSON' };
  }
}
