/** The pure helpers behind listings (src/storage/listing.ts), shared by every metadata store. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareUtf8, prefixSuccessor } from '../../src/storage/listing.js';

test('prefixSuccessor is the tightest upper bound of a prefix', () => {
  assert.equal(prefixSuccessor('a/'), 'a0');
  assert.equal(prefixSuccessor('photos/2024/'), 'photos/20240');
  assert.equal(prefixSuccessor('\u{D7FF}'), '\u{E000}');
  assert.equal(prefixSuccessor('a\u{10FFFF}'), 'b');
  assert.equal(prefixSuccessor('\u{10FFFF}'), undefined);
  assert.equal(prefixSuccessor(''), undefined);
});

test('prefixSuccessor bounds exactly the keys that start with the prefix, in UTF-8 order', () => {
  const keys = [
    'a',
    'a/',
    'a/b',
    'a/\u{10FFFF}',
    'a0',
    'a\u{D7FF}',
    'a\u{E000}',
    'a😀',
    'b',
    '😀',
    '\u{10FFFF}',
  ];
  for (const prefix of ['a/', 'a', 'a\u{D7FF}', '😀', 'a/\u{10FFFF}']) {
    const bound = prefixSuccessor(prefix);
    for (const key of keys) {
      const below = bound === undefined || compareUtf8(key, bound) < 0;
      const inside = compareUtf8(key, prefix) >= 0 && below;
      assert.equal(
        inside,
        key.startsWith(prefix),
        `${JSON.stringify(key)} against ${JSON.stringify(prefix)}`,
      );
    }
  }
});
