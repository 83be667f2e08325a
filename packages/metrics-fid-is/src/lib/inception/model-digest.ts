import { createHash } from 'crypto';
import * as fs from 'fs';

/**
 * SHA-256 (hex) of a file's bytes, read in 1 MiB chunks. An Inception
 * model's path says nothing about its weights (a file can be replaced in
 * place); this digest identifies them, so statistics files can be checked
 * against the model in use (≈0.1 s for 95 MB from the page cache, SHA-NI).
 */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
