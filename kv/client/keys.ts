/** `keys` without repeats (first occurrence kept, order kept). */
export function uniqueKeys(keys: readonly Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  return keys.filter((key) => {
    const id = keyId(key);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** A string that names a key exactly, for maps and sets. */
export function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}
