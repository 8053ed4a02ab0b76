import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Error } from '../errors/s3-error.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: false,
});

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** Serializes `{ Root: {...} }` to an XML document with the declaration S3 sends. */
export function toXml(document: Record<string, unknown>): string {
  return XML_DECLARATION + builder.build(document);
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  "'": '&apos;',
  '"': '&quot;',
};

/** Text as element content, escaped as the builder escapes it: for documents written by hand. */
export function xmlText(value: string): string {
  return /[&<>'"]/.test(value) ? value.replace(/[&<>'"]/g, (ch) => ENTITIES[ch]!) : value;
}

export const malformedXml = (): S3Error => new S3Error('MalformedXML');

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  ignoreDeclaration: true,
});

/** Strictly parses a request body; anything not well-formed is `MalformedXML`. */
export function parseXml(body: string): Record<string, unknown> {
  if (XMLValidator.validate(body) !== true) throw malformedXml();
  let parsed: unknown;
  try {
    parsed = parser.parse(body);
  } catch {
    // The validator passes documents the parser still refuses (more than 100 nested elements,
    // a second DOCTYPE, an element named __proto__): they are the client's mistake, not a 500.
    throw malformedXml();
  }
  if (typeof parsed !== 'object' || parsed === null) throw malformedXml();
  return parsed as Record<string, unknown>;
}
