import { describe, expect, it } from '@jest/globals';

import { canPrompt, colourEnabled, isLiveTerminal } from '../../../src/ui/terminal.js';

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe('terminal', () => {
  it('prompts only when stdin and stderr are both terminals', () => {
    expect(canPrompt(tty, tty)).toBe(true);
    expect(canPrompt(pipe, tty)).toBe(false);
    expect(canPrompt(tty, pipe)).toBe(false);
  });

  it('draws a live display on a terminal unless TERM=dumb', () => {
    expect(isLiveTerminal(tty, {})).toBe(true);
    expect(isLiveTerminal(tty, { TERM: 'dumb' })).toBe(false);
    expect(isLiveTerminal(pipe, {})).toBe(false);
  });

  it('colours a terminal, honouring NO_COLOR, FORCE_COLOR and TERM=dumb', () => {
    expect(colourEnabled(tty, {})).toBe(true);
    expect(colourEnabled(pipe, {})).toBe(false);
    expect(colourEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    // no-color.org: an empty NO_COLOR does not count.
    expect(colourEnabled(tty, { NO_COLOR: '' })).toBe(true);
    expect(colourEnabled(tty, { TERM: 'dumb' })).toBe(false);
    expect(colourEnabled(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourEnabled(tty, { FORCE_COLOR: '0' })).toBe(true);
    expect(colourEnabled(pipe, { FORCE_COLOR: '0' })).toBe(false);
  });
});
