import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Error } from '../server/s3-error.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: false,
});

/** Serializes `{ Root: {...} }` to an XML document with the declaration S3 sends. */
export function toXml(document: Record<string, unknown>): string {
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + builder.build(document);
}

export const malformedXml = (): S3Error =>
  new S3Error(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
    400,
  );

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
  const parsed: unknown = parser.parse(body);
  if (typeof parsed !== 'object' || parsed === null) throw malformedXml();
  return parsed as Record<string, unknown>;
}
