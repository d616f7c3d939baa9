import { UsageError } from '../errors.js';
import { beginMarker, endMarker } from './hosts.js';

/** Where one managed block sits in a file, as byte offsets (`end` is past its last line break). */
export interface BlockSpan {
  env: string;
  start: number;
  end: number;
  /** 1-based line number of the BEGIN marker. */
  line: number;
}

/** The outcome of merging one environment's block into a file's content. */
export interface MergeResult {
  content: Buffer;
  changed: boolean;
  /** The environment's block as it was before (UTF-8 text), when there was one. */
  previousBlock?: string;
  /** `\r\n` when the file uses CRLF line ends (the block is written with them too). */
  eol: '\n' | '\r\n';
}

interface LineSpan {
  start: number;
  /** End of the line's text, before `\r\n` / `\n`. */
  textEnd: number;
  /** Start of the next line. */
  next: number;
  text: string;
}

const BEGIN = /^#\s*BEGIN ecspoc ([A-Za-z0-9-]+)\s*$/;
const END = /^#\s*END ecspoc ([A-Za-z0-9-]+)\s*$/;
const SECTION = /^\s*(host|match)(\s|=)/i;
const COMMENT = /^\s*#/;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const BOM_LATIN1 = BOM.toString('latin1');

/**
 * Splits content into lines without decoding it: latin1 maps every byte to one character, so
 * offsets are byte offsets and bytes outside the markers are never reinterpreted.
 */
function lines(content: Buffer): LineSpan[] {
  const text = content.toString('latin1');
  const result: LineSpan[] = [];
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    const next = newline === -1 ? text.length : newline + 1;
    const textEnd =
      newline === -1 ? text.length : newline > start && text[newline - 1] === '\r' ? newline - 1 : newline;
    // A byte-order mark is not part of the first line.
    const lineStart = start === 0 && text.startsWith(BOM_LATIN1) ? BOM_LATIN1.length : start;
    result.push({ start: lineStart, textEnd, next, text: text.slice(lineStart, textEnd) });
    start = next;
  }
  return result;
}

/** The line ending a file mostly uses; LF for an empty file. */
export function detectEol(content: Buffer): '\n' | '\r\n' {
  const text = content.toString('latin1');
  const crlf = text.split('\r\n').length - 1;
  const lf = text.split('\n').length - 1 - crlf;
  return crlf > lf ? '\r\n' : '\n';
}

/**
 * Every ecspoc managed block of a file. A BEGIN without its END, an END without its BEGIN, nested
 * blocks or two blocks for one environment are refused: the operator must settle them by hand.
 */
export function findManagedBlocks(content: Buffer, file: string): BlockSpan[] {
  const spans: BlockSpan[] = [];
  let open: { env: string; start: number; line: number } | undefined;
  const refuse = (line: number, what: string): never => {
    throw new UsageError('SSH_CONFIG_MARKERS', `${file} line ${line}: ${what}; it was left unchanged.`, {
      suggestions: [
        `Fix the "# BEGIN ecspoc <env>" / "# END ecspoc <env>" lines by hand (or delete the block), then run again.`,
      ],
    });
  };
  lines(content).forEach((line, index) => {
    const number = index + 1;
    const begin = BEGIN.exec(line.text);
    const end = END.exec(line.text);
    if (begin) {
      if (open)
        refuse(number, `"${line.text.trim()}" inside the block of "${open.env}" begun at line ${open.line}`);
      if (spans.some((s) => s.env === begin[1]))
        refuse(number, `a second managed block for environment "${begin[1]}"`);
      open = { env: begin[1], start: line.start, line: number };
    } else if (end) {
      if (!open) refuse(number, `"${line.text.trim()}" without its "${beginMarker(end[1])}"`);
      const current = open as { env: string; start: number; line: number };
      if (current.env !== end[1])
        refuse(
          number,
          `"${line.text.trim()}" closes the block of "${current.env}" begun at line ${current.line}`,
        );
      spans.push({ env: current.env, start: current.start, end: line.next, line: current.line });
      open = undefined;
    }
  });
  if (open) refuse(open.line, `"${beginMarker(open.env)}" has no "${endMarker(open.env)}"`);
  return spans;
}

/**
 * Puts `blockText` (LF line ends, ending in a line break) into `content` as the managed block of
 * `env`: in place of the environment's earlier block, else after the last ecspoc block, else before
 * the first Host or Match entry (and the comments above it), so ecspoc's specific hosts come before
 * catch-all ones; else at the end. Every byte outside the block is kept; the block takes the file's
 * line endings. `changed` is false when the result equals the content.
 */
export function mergeManagedBlock(
  content: Buffer | undefined,
  env: string,
  blockText: string,
  file: string,
): MergeResult {
  const existing = content ?? Buffer.alloc(0);
  const eol = detectEol(existing);
  const block = Buffer.from(eol === '\r\n' ? blockText.replace(/\r?\n/g, '\r\n') : blockText, 'utf8');
  const spans = findManagedBlocks(existing, file);
  const own = spans.find((span) => span.env === env);
  if (own) {
    const merged = Buffer.concat([existing.subarray(0, own.start), block, existing.subarray(own.end)]);
    return {
      content: merged,
      changed: !merged.equals(existing),
      previousBlock: existing.subarray(own.start, own.end).toString('utf8'),
      eol,
    };
  }
  const all = lines(existing);
  let at: number;
  if (spans.length > 0) {
    at = spans[spans.length - 1].end;
  } else {
    const first = all.findIndex((line) => SECTION.test(line.text));
    if (first === -1) {
      at = existing.length;
    } else {
      let index = first;
      while (index > 0 && COMMENT.test(all[index - 1].text)) index -= 1;
      at = all[index].start;
    }
  }
  const merged = Buffer.concat([
    existing.subarray(0, at),
    separated(existing, at, block, eol),
    existing.subarray(at),
  ]);
  return { content: merged, changed: true, eol };
}

/** The block with the line breaks that keep one blank line between it and its neighbours. */
function separated(content: Buffer, at: number, block: Buffer, eol: string): Buffer {
  const before = content.subarray(0, at).toString('latin1');
  const after = content.subarray(at).toString('latin1');
  const parts: string[] = [];
  const atStart = before === '' || before === BOM_LATIN1;
  if (!atStart) {
    if (!before.endsWith('\n')) parts.push(eol);
    if (!(before.endsWith('\n') && lastLineBlank(before))) parts.push(eol);
  }
  const head = Buffer.from(parts.join(''), 'latin1');
  const tail = after !== '' && !/^\r?\n/.test(after) ? Buffer.from(eol, 'latin1') : Buffer.alloc(0);
  return Buffer.concat([head, block, tail]);
}

function lastLineBlank(text: string): boolean {
  const withoutBreak = text.replace(/\r?\n$/, '');
  const start = withoutBreak.lastIndexOf('\n');
  return withoutBreak.slice(start + 1).trim() === '';
}

/** The environment's managed block as UTF-8 text, or undefined when the file has none. */
export function extractManagedBlock(content: Buffer, env: string, file: string): string | undefined {
  const span = findManagedBlocks(content, file).find((s) => s.env === env);
  return span ? content.subarray(span.start, span.end).toString('utf8') : undefined;
}
