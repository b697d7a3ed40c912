const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']\n');

/** A list whose items already carry their compact JSON as UTF-8 (large, cached lists skip re-serialising and re-encoding). */
export class PrerenderedList {
  constructor(readonly items: { value: Record<string, unknown>; json: Buffer }[]) {}

  toJson(): Buffer {
    const parts: Buffer[] = [OPEN];
    for (const [i, item] of this.items.entries()) {
      if (i) parts.push(COMMA);
      parts.push(item.json);
    }
    parts.push(CLOSE);
    return Buffer.concat(parts);
  }

  values(): Record<string, unknown>[] {
    return this.items.map((i) => i.value);
  }
}
