import { describe, expect, it } from '@jest/globals';

import { unifiedDiff } from '../../../../src/lib/ssh/diff.js';

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', 'x', 'y')).toBe('');
  });

  it('shows one changed line with three lines of context', () => {
    const before = ['1', '2', '3', '4', 'old', '6', '7', '8', '9'].join('\n') + '\n';
    const after = before.replace('old', 'new');
    expect(unifiedDiff(before, after, 'a/config', 'b/config')).toBe(
      [
        '--- a/config',
        '+++ b/config',
        '@@ -2,7 +2,7 @@',
        ' 2',
        ' 3',
        ' 4',
        '-old',
        '+new',
        ' 6',
        ' 7',
        ' 8',
        '',
      ].join('\n'),
    );
  });

  it('numbers an insertion into an empty file like diff -u', () => {
    expect(unifiedDiff('', 'a\nb\n', '/dev/null', 'config')).toBe(
      ['--- /dev/null', '+++ config', '@@ -0,0 +1,2 @@', '+a', '+b', ''].join('\n'),
    );
  });

  it('splits distant changes into separate hunks', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    const after = [...lines];
    after[1] = 'changed 1';
    after[18] = 'changed 18';
    const diff = unifiedDiff(lines.join('\n') + '\n', after.join('\n') + '\n', 'a', 'b');
    expect(diff.match(/^@@ /gm)).toHaveLength(2);
    expect(diff).toContain('@@ -1,5 +1,5 @@');
    expect(diff).toContain('@@ -16,5 +16,5 @@');
  });

  it('compares CRLF text line by line, without showing the carriage returns as changes', () => {
    expect(unifiedDiff('a\r\nb\r\n', 'a\r\nc\r\n', 'x', 'y')).toContain('-b\n+c\n');
  });
});
