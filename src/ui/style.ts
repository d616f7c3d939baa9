import { styleText } from 'node:util';

import { colourEnabled } from './terminal.js';

type Format = Parameters<typeof styleText>[0];

/** Styles `text` when colour is enabled on `stream` (see terminal.ts); returns it unchanged otherwise. */
export function paint(format: Format, text: string, stream: NodeJS.WriteStream = process.stderr): string {
  return colourEnabled(stream) ? styleText(format, text) : text;
}
