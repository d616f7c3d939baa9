import { styleText } from 'node:util';

type Format = Parameters<typeof styleText>[0];

/** True when colour may be written to `stream` (a TTY, and neither NO_COLOR nor TERM=dumb). */
export function colourEnabled(stream: NodeJS.WriteStream = process.stderr): boolean {
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.TERM === 'dumb') return false;
  return Boolean(stream.isTTY);
}

/** Styles `text` when colour is enabled on `stream`; returns it unchanged otherwise. */
export function paint(format: Format, text: string, stream: NodeJS.WriteStream = process.stderr): string {
  return colourEnabled(stream) ? styleText(format, text) : text;
}
