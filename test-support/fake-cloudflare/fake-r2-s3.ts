// R2's S3-compatible API (https://<account>.r2.cloudflarestorage.com, path-style here under /r2-s3) over the
// fake's buckets: ListObjectsV2 (continuation tokens, at most 1,000 keys a page), GetObject, PutObject,
// DeleteObject and multipart uploads (CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
// AbortMultipartUpload), with S3's XML. Every request must carry a SigV4 signature made with the credentials
// R2 derives from an API token (access key id = the token's id, secret = SHA-256 of the token value); the
// signature is recomputed with aws4fetch and compared. Not counted in the API's request budget (R2's S3
// endpoint is not api.cloudflare.com).
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsV4Signer } from 'aws4fetch';

export interface R2S3Store {
  bucketExists(bucket: string): boolean;
  objects(bucket: string): Map<string, Buffer>;
}

export interface R2S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface R2S3Request {
  method: string;
  bucket: string;
  key?: string;
  query: Record<string, string>;
  status: number;
}

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
const md5 = (body: Buffer) => createHash('md5').update(body).digest('hex');

function xmlError(res: ServerResponse, status: number, code: string, message: string): number {
  const text = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml' }).end(text);
  return status;
}

async function signatureIsValid(req: IncomingMessage, url: URL, credentials: R2S3Credentials): Promise<boolean> {
  const auth = req.headers.authorization ?? '';
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(auth);
  if (!match || match[1] !== credentials.accessKeyId) return false;
  const headers = new Headers();
  for (const name of match[4].split(';')) if (name !== 'host') headers.set(name, String(req.headers[name] ?? ''));
  // The signed host is the one the client addressed (with its port).
  const signedUrl = new URL(`${url.pathname}${url.search}`, `http://${req.headers.host ?? url.host}`);
  const signer = new AwsV4Signer({
    method: req.method,
    url: signedUrl.toString(),
    headers,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    service: 's3',
    region: match[3],
    datetime: String(req.headers['x-amz-date'] ?? ''),
  });
  return (await signer.signature()) === match[5];
}

/**
 * Answers one S3 request (`path` is what follows /r2-s3). Returns the HTTP status it answered, for the record.
 * `pageSize` caps ListObjectsV2 pages as the API's lists are capped in tests.
 */
export async function answerR2S3(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  path: string,
  raw: Buffer,
  store: R2S3Store,
  credentials: R2S3Credentials,
  uploads: Map<string, { bucket: string; key: string; parts: Map<number, Buffer> }>,
  pageSize?: number,
): Promise<number> {
  const [, bucket = '', ...rest] = path.split('/');
  const key = rest.length ? decodeURIComponent(rest.join('/')) : undefined;
  const q = url.searchParams;
  if (!(await signatureIsValid(req, url, credentials))) return xmlError(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  if (!store.bucketExists(bucket)) return xmlError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist.');
  const objects = store.objects(bucket);
  const method = req.method ?? 'GET';

  if (key === undefined && method === 'GET' && q.get('list-type') === '2') {
    const prefix = q.get('prefix') ?? '';
    const max = Math.min(Number(q.get('max-keys') ?? 1000) || 1000, 1000, pageSize ?? 1000);
    const after = q.get('continuation-token') ? Buffer.from(q.get('continuation-token')!, 'base64url').toString('utf8') : (q.get('start-after') ?? '');
    const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
    const page = keys.slice(0, max);
    const truncated = keys.length > max;
    const contents = page.map((k) => `<Contents><Key>${xmlEscape(k)}</Key><Size>${objects.get(k)!.length}</Size><ETag>"${md5(objects.get(k)!)}"</ETag><LastModified>${new Date().toISOString()}</LastModified><StorageClass>STANDARD</StorageClass></Contents>`).join('');
    const next = truncated ? `<NextContinuationToken>${Buffer.from(page.at(-1)!).toString('base64url')}</NextContinuationToken>` : '';
    const text = `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${next}</ListBucketResult>`;
    res.writeHead(200, { 'content-type': 'application/xml' }).end(text);
    return 200;
  }
  if (key === undefined) return xmlError(res, 400, 'InvalidRequest', `${method} on a bucket is not modelled`);

  if (method === 'POST' && q.has('uploads')) {
    const uploadId = randomUUID();
    uploads.set(uploadId, { bucket, key, parts: new Map() });
    res.writeHead(200, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`);
    return 200;
  }
  const upload = q.get('uploadId') ? uploads.get(q.get('uploadId')!) : undefined;
  if (q.get('uploadId') && (!upload || upload.bucket !== bucket || upload.key !== key)) return xmlError(res, 404, 'NoSuchUpload', 'The specified multipart upload does not exist.');
  if (upload && method === 'PUT') {
    const part = Number(q.get('partNumber'));
    if (!Number.isInteger(part) || part < 1 || part > 10000) return xmlError(res, 400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000.');
    upload.parts.set(part, raw);
    res.writeHead(200, { etag: `"${md5(raw)}"` }).end();
    return 200;
  }
  if (upload && method === 'POST') {
    const listed = [...raw.toString('utf8').matchAll(/<PartNumber>(\d+)<\/PartNumber>\s*<ETag>"?([0-9a-f]+)"?<\/ETag>/g)].map((m) => ({ part: Number(m[1]), etag: m[2] }));
    for (const [i, p] of listed.entries()) {
      const body = upload.parts.get(p.part);
      if (!body || md5(body) !== p.etag) return xmlError(res, 400, 'InvalidPart', `part ${p.part} was not uploaded with that ETag`);
      // S3 (and R2) require every part but the last to be at least 5 MiB; tests lower nothing here.
      if (i < listed.length - 1 && body.length < 5 * 1024 * 1024) return xmlError(res, 400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
    }
    const whole = Buffer.concat(listed.map((p) => upload.parts.get(p.part)!));
    objects.set(key, whole);
    uploads.delete(q.get('uploadId')!);
    res.writeHead(200, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><ETag>"${md5(whole)}-${listed.length}"</ETag></CompleteMultipartUploadResult>`);
    return 200;
  }
  if (upload && method === 'DELETE') {
    uploads.delete(q.get('uploadId')!);
    res.writeHead(204).end();
    return 204;
  }
  if (method === 'PUT') {
    objects.set(key, raw);
    res.writeHead(200, { etag: `"${md5(raw)}"` }).end();
    return 200;
  }
  if (method === 'GET') {
    const body = objects.get(key);
    if (!body) return xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, etag: `"${md5(body)}"` }).end(body);
    return 200;
  }
  if (method === 'DELETE') {
    objects.delete(key);
    res.writeHead(204).end();
    return 204;
  }
  return xmlError(res, 405, 'MethodNotAllowed', `${method} is not modelled`);
}
