/** A list whose items already carry their compact JSON (large, cached lists skip re-serialising). */
export class PrerenderedList {
  constructor(readonly items: { value: Record<string, unknown>; json: string }[]) {}

  toJson(): string {
    return `[${this.items.map((i) => i.json).join(',')}]\n`;
  }

  values(): Record<string, unknown>[] {
    return this.items.map((i) => i.value);
  }
}
