import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toXml, XML_DECLARATION, xmlText } from '../../src/protocol/xml.js';

test('xmlText escapes element text exactly as the XML builder does', () => {
  for (const value of ['plain', 'Z1.ab-c_d', 'a/b+c=', `&<>'"`, 'x &amp; y', 'ünïcode ✓', '']) {
    assert.equal(XML_DECLARATION + `<R>${xmlText(value)}</R>`, toXml({ R: value }), value);
  }
});
