/**
 * XML of the Query protocol: `<{Action}Response>` with a `<{Action}Result>` and the request id,
 * and `<ErrorResponse>`. Lists are `<member>` elements, as the awsQuery protocol wants.
 */
import { xmlText } from '../protocol/xml.js';
import type { IamError } from './iam-error.js';

export const IAM_XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';
export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** A result tree: strings, numbers and booleans are text, arrays are `<member>` lists. */
export type XmlValue = string | number | boolean | undefined | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

// Characters XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE/FFFF).
const NOT_XML_CHAR = new RegExp(
  '[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\ufffe\\uffff]' +
    '|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]',
  'g',
);

export function escapeXml(text: string): string {
  return xmlText(text.replace(NOT_XML_CHAR, '\ufffd'));
}

function element(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return `<${name}>${value.map((v) => element('member', v)).join('')}</${name}>`;
  if (typeof value === 'object') return `<${name}>${children(value)}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function children(obj: XmlObject): string {
  let out = '';
  for (const [name, value] of Object.entries(obj)) out += element(name, value);
  return out;
}

export function actionResponse(
  xmlns: string,
  action: string,
  result: XmlObject | undefined,
  requestId: string,
): string {
  const resultXml = result === undefined ? '' : element(`${action}Result`, result);
  return (
    `<${action}Response xmlns="${xmlns}">${resultXml}` +
    `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata>` +
    `</${action}Response>`
  );
}

export function errorResponse(xmlns: string, err: IamError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${xmlns}">` +
    element('Error', { Type: err.type, Code: err.code, Message: err.message }) +
    `<RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`
  );
}
