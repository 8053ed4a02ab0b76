/** Host, port and database of a metadata URL, never its password (for messages and the banner). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the metadata database (unparsable URL)';
  }
}
