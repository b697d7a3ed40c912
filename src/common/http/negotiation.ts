import { stringify } from 'yaml';

export type OutputFormat = 'json' | 'yaml';

/**
 * OSM's choice of response format, in OSM's order: YAML when Accept names application/yaml or
 * any type (even next to application/json), JSON when it names application/json; with neither,
 * YAML for results and JSON for errors.
 */
export function negotiateFormat(accept: string | undefined, isError: boolean): OutputFormat {
  if (accept) {
    if (accept.includes('application/yaml') || accept.includes('*/*')) return 'yaml';
    if (accept.includes('application/json') || isError) return 'json';
  }
  return 'yaml';
}

export function serialize(data: unknown, format: OutputFormat): { body: string; contentType: string } {
  if (format === 'json') {
    // OSM indents by 4; a long list is sent compact (same JSON, a fraction of the bytes and time)
    const indent = Array.isArray(data) && data.length > 1000 ? undefined : 4;
    return { body: `${JSON.stringify(data, null, indent)}\n`, contentType: 'application/json; charset=utf-8' };
  }
  return { body: stringify(data, { indent: 4, directives: true }), contentType: 'application/yaml' };
}
