// R2 objects through R2's S3-compatible API (aws4fetch signs each request): one listing of 1,000 keys a page
// and a few requests at a time instead of one wrangler process per object, and none of them counted in
// the Cloudflare API's request budget. Large objects go up in parts (multipart upload).
import { createHash } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import { UserError } from '../utils/user-error';
import { fetchWithinRateLimit } from '../wrangler/rate-limit';
import { apiBaseOf } from './cloudflare-api';

export interface R2S3Access {
  /** https://<account id>.r2.cloudflarestorage.com (NX_EDGE_R2_ENDPOINT overrides it). */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Where the credentials came from, for the log. */
  source: 'R2_ACCESS_KEY_ID' | 'CLOUDFLARE_API_TOKEN';
}

/**
 * S3 credentials for R2: R2_ACCESS_KEY_ID + R2_SECRET_ACCESS_KEY when set, else derived from the API token as
 * Cloudflare documents (developers.cloudflare.com/r2/api/tokens: access key id = the token's id, from
 * /user/tokens/verify; secret = the SHA-256 of the token value). Undefined when neither is there.
 */
export async function r2S3Access(environment: Record<string, string | undefined>, accountId: string, doFetch: typeof fetch): Promise<R2S3Access | undefined> {
  const endpoint = (environment.NX_EDGE_R2_ENDPOINT || `https://${accountId}.r2.cloudflarestorage.com`).replace(/\/+$/, '');
  if (environment.R2_ACCESS_KEY_ID && environment.R2_SECRET_ACCESS_KEY) {
    return { endpoint, accessKeyId: environment.R2_ACCESS_KEY_ID, secretAccessKey: environment.R2_SECRET_ACCESS_KEY, source: 'R2_ACCESS_KEY_ID' };
  }
  const token = environment.CLOUDFLARE_API_TOKEN;
  if (!token) return undefined;
  const apiBase = apiBaseOf(environment);
  for (const path of ['/user/tokens/verify', `/accounts/${accountId}/tokens/verify`]) {
    const response = await fetchWithinRateLimit(doFetch, `${apiBase}${path}`, { headers: { authorization: `Bearer ${token}` } }, 'reading the API token’s id (for R2’s S3 credentials)');
    const body = (await response.json().catch(() => ({}))) as { success?: boolean; result?: { id?: string } };
    if (response.ok && body.success && body.result?.id) {
      return { endpoint, accessKeyId: body.result.id, secretAccessKey: createHash('sha256').update(token).digest('hex'), source: 'CLOUDFLARE_API_TOKEN' };
    }
  }
  return undefined;
}

export interface R2S3Options {
  /** Objects of at least this many bytes go up in parts (default 100 MiB). */
  multipartThreshold?: number;
  /** Bytes per part (default 16 MiB; S3 needs at least 5 MiB for every part but the last). */
  partSize?: number;
}

/** A Buffer as the bytes fetch sends, without a copy (a Buffer's memory is a plain ArrayBuffer). */
const bytes = (buffer: Buffer): Uint8Array<ArrayBuffer> => new Uint8Array(buffer.buffer as ArrayBuffer, buffer.byteOffset, buffer.byteLength);

const decodeXml = (text: string) =>
  text.replace(/&(lt|gt|quot|apos|amp|#x[0-9a-f]+|#\d+);/gi, (_, entity: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
    if (named[entity.toLowerCase()]) return named[entity.toLowerCase()];
    return String.fromCodePoint(entity[1].toLowerCase() === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10));
  });
const xmlValues = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => decodeXml(m[1]));

/** The S3 operations backup and restore use, on one bucket at a time. */
export function r2S3Client(access: R2S3Access, doFetch: typeof fetch = fetch, options: R2S3Options = {}) {
  const aws = new AwsClient({ accessKeyId: access.accessKeyId, secretAccessKey: access.secretAccessKey, service: 's3', region: 'auto', retries: 3 });
  const objectUrl = (bucket: string, key: string, query = '') => `${access.endpoint}/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}${query}`;
  const send = async (what: string, url: string, init: RequestInit = {}): Promise<Response> => {
    const signed = await aws.sign(url, init);
    const response = await doFetch(signed);
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      const code = xmlValues(text, 'Code')[0] ?? '';
      throw new UserError(`${what} failed through R2's S3 API: HTTP ${response.status}${code ? ` ${code}` : ''}${code === 'SignatureDoesNotMatch' || response.status === 403 ? ' (check R2_ACCESS_KEY_ID/R2_SECRET_ACCESS_KEY, or that the API token may read and write R2)' : ''}`);
    }
    return response;
  };
  const multipartThreshold = options.multipartThreshold ?? 100 * 1024 * 1024;
  const partSize = Math.max(options.partSize ?? 16 * 1024 * 1024, 5 * 1024 * 1024);

  return {
    /** Every key of the bucket (ListObjectsV2, continuation tokens; a repeated token is an error, never a loop). */
    async list(bucket: string): Promise<string[]> {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const url = `${access.endpoint}/${encodeURIComponent(bucket)}?list-type=2&max-keys=1000${token ? `&continuation-token=${encodeURIComponent(token)}` : ''}`;
        const xml = await (await send(`listing the objects of R2 bucket ${bucket}`, url)).text();
        keys.push(...xmlValues(xml, 'Key'));
        const next = xmlValues(xml, 'IsTruncated')[0] === 'true' ? xmlValues(xml, 'NextContinuationToken')[0] : undefined;
        if (next && next === token) throw new UserError(`listing the objects of R2 bucket ${bucket}: the S3 API returned the same continuation token twice; ${keys.length} keys were read.`);
        token = next;
      } while (token);
      return keys;
    },
    async get(bucket: string, key: string): Promise<Buffer> {
      return Buffer.from(await (await send(`reading ${bucket}/${key}`, objectUrl(bucket, key))).arrayBuffer());
    },
    async put(bucket: string, key: string, body: Buffer): Promise<void> {
      if (body.length < multipartThreshold) {
        await send(`writing ${bucket}/${key}`, objectUrl(bucket, key), { method: 'PUT', body: bytes(body) });
        return;
      }
      const created = await (await send(`starting the upload of ${bucket}/${key}`, objectUrl(bucket, key, '?uploads'), { method: 'POST' })).text();
      const uploadId = xmlValues(created, 'UploadId')[0];
      if (!uploadId) throw new UserError(`starting the upload of ${bucket}/${key}: R2 answered no UploadId`);
      try {
        const parts: { n: number; etag: string }[] = [];
        for (let offset = 0, n = 1; offset < body.length; offset += partSize, n++) {
          const response = await send(`writing part ${n} of ${bucket}/${key}`, objectUrl(bucket, key, `?partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`), { method: 'PUT', body: bytes(body.subarray(offset, offset + partSize)) });
          parts.push({ n, etag: response.headers.get('etag') ?? '' });
        }
        const complete = `<CompleteMultipartUpload>${parts.map((p) => `<Part><PartNumber>${p.n}</PartNumber><ETag>${p.etag}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
        await send(`completing the upload of ${bucket}/${key}`, objectUrl(bucket, key, `?uploadId=${encodeURIComponent(uploadId)}`), { method: 'POST', body: complete });
      } catch (error) {
        // Leave no half upload behind (its parts would be stored and billed until it expires).
        await send(`aborting the upload of ${bucket}/${key}`, objectUrl(bucket, key, `?uploadId=${encodeURIComponent(uploadId)}`), { method: 'DELETE' }).catch(() => undefined);
        throw error;
      }
    },
    async delete(bucket: string, key: string): Promise<void> {
      await send(`deleting ${bucket}/${key}`, objectUrl(bucket, key), { method: 'DELETE' });
    },
  };
}

export type R2S3Client = ReturnType<typeof r2S3Client>;

/** Runs `work` on every item with at most `limit` at once; the first failure stops new work and is thrown. */
export async function eachLimited<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: Error | undefined;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const index = next++;
      try {
        await work(items[index], index);
      } catch (error) {
        failed ??= error instanceof Error ? error : new Error(`work on item ${index} failed: ${JSON.stringify(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}
